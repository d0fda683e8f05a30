import { describe, expect, it } from 'vitest';
import { meta } from '../../../../functions/providers/meta/index.ts';
import { metaJson } from '../../../../functions/providers/meta/sample.ts';
import { anEndpoint } from '../../../helpers/factories.ts';
import { metaEndpointUrl } from './builders.ts';

describe('meta.sample', () => {
  it('makes a signed WhatsApp text message from the given customer to the given number', () => {
    // Prepare
    const options = {
      url: metaEndpointUrl,
      secret: 'sample-secret',
      text: 'Où est ma commande ? 📦',
      from: '14155550100',
      to: '109876543210987',
      now: new Date('2026-11-23T12:00:00Z'),
    };

    // Act
    const sample = meta.sample(options);
    const request = { url: metaEndpointUrl, headers: sample.headers, body: Buffer.from(sample.body) };

    // Assess
    expect(meta.verify(request, anEndpoint({ provider: 'meta', secrets: ['sample-secret'] }), options.now).ok).toBe(true);
    expect(meta.normalize(request)).toMatchObject([
      {
        kind: 'message',
        channel: 'whatsapp',
        direction: 'inbound',
        businessAddress: '109876543210987',
        customerAddress: '14155550100',
        from: '14155550100',
        text: 'Où est ma commande ? 📦',
        contentType: 'text',
        providerTimestamp: '2026-11-23T12:00:00.000Z',
      },
    ]);
  });

  it('writes the body in ASCII, as Meta does', () => {
    const sample = meta.sample({ url: metaEndpointUrl, secret: 's', text: 'äöå 📦' });

    expect(sample.body).toMatch(/^[\x20-\x7e]*$/);
    expect(sample.body).toContain('\\u00e4\\u00f6\\u00e5 \\ud83d\\udce6');
  });

  it('gives every sample its own wamid', () => {
    const sampledWamid = (): string | undefined => {
      const [event] = meta.normalize({ url: metaEndpointUrl, headers: {}, body: Buffer.from(meta.sample({ url: metaEndpointUrl, secret: 's', text: 'a' }).body) });
      return event?.kind === 'message' ? event.providerMessageId : undefined;
    };

    const [first, second] = [sampledWamid(), sampledWamid()];

    expect(first).toMatch(/^wamid\./);
    expect(second).not.toBe(first);
  });
});

describe('metaJson', () => {
  it("escapes what Messenger's doc says Meta escapes: non-ASCII, /, <, % and @", () => {
    expect(metaJson({ text: 'äöå </a> 100% a@b' })).toBe('{"text":"\\u00e4\\u00f6\\u00e5 \\u003c\\/a> 100\\u0025 a\\u0040b"}');
  });

  it('round-trips through JSON.parse', () => {
    const value = { text: 'äöå 📦 </a> 100% a@b "quoted" \n' };

    expect(JSON.parse(metaJson(value))).toEqual(value);
  });
});
