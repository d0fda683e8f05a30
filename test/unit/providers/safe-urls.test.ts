import { describe, expect, it } from 'vitest';
import { PermanentError } from '../../../functions/core/errors.ts';
import type { NormalizedMessage, NormalizedNotice, NormalizedStatus } from '../../../functions/core/message.ts';
import { loadProvider } from '../../../functions/providers/registry.ts';
import { httpUrl, withHttpUrlsOnly } from '../../../functions/providers/safe-urls.ts';
import { formRequest, inboundSmsFields } from '../../helpers/twilio.ts';

const aMessage = (overrides: Partial<NormalizedMessage>): NormalizedMessage => ({
  kind: 'message',
  channel: 'messenger',
  businessAddress: '1234567890123456',
  customerAddress: '6789012345678901',
  direction: 'inbound',
  providerMessageId: 'm_1',
  from: '6789012345678901',
  to: '1234567890123456',
  text: '',
  media: [],
  contentType: 'image',
  ...overrides,
});

describe('httpUrl', () => {
  it.each([
    ['https://cdn.example.com/a.jpg', 'https://cdn.example.com/a.jpg'],
    ['HTTPS://CDN.example.com/a b.jpg', 'https://cdn.example.com/a%20b.jpg'],
    ['  http://127.0.0.1:8080/x', 'http://127.0.0.1:8080/x'],
    ['ht\ttps://cdn.example.com/', 'https://cdn.example.com/'],
  ])('keeps %j as the browser reads it: %j', (value, expected) => {
    expect(httpUrl(value)).toBe(expected);
  });

  it.each([
    'javascript:alert(1)',
    'JaVaScRiPt:alert(1)',
    ' javascript:alert(1)',
    'java\tscript:alert(1)',
    '\u0000javascript:alert(1)',
    'data:text/html,<script>alert(1)</script>',
    'vbscript:msgbox(1)',
    'file:///etc/passwd',
    'ftp://files.example.com/a',
    '//cdn.example.com/a.jpg',
    '/relative.jpg',
    'https://',
    '',
  ])('refuses %j', (value) => {
    expect(httpUrl(value)).toBeUndefined();
  });
});

describe('withHttpUrlsOnly', () => {
  it('drops an unsafe media URL but keeps the item while it still describes a file', () => {
    const message = aMessage({
      media: [
        { url: 'javascript:alert(1)', contentType: 'image/jpeg' },
        { url: 'data:image/png;base64,AAAA', providerMediaId: '1234', kind: 'image' },
        { url: 'vbscript:x', kind: 'image' },
        { url: 'https://cdn.example.com/a.jpg', kind: 'image' },
        { providerMediaId: '5678', kind: 'audio' },
      ],
    });

    expect((withHttpUrlsOnly(message) as NormalizedMessage).media).toEqual([
      { contentType: 'image/jpeg' },
      { providerMediaId: '1234', kind: 'image' },
      { url: 'https://cdn.example.com/a.jpg', kind: 'image' },
      { providerMediaId: '5678', kind: 'audio' },
    ]);
  });

  it("removes unsafe values of URL-named keys at any depth of a message's or notice's details, and nothing else", () => {
    const details = {
      payload: 'javascript:is-a-button-id-here',
      link: { title: 'Shop', url: 'JavaScript:alert(1)' },
      referral: { source_url: ' data:text/html,x', image_url: 'https://cdn.example.com/ad.jpg', headline: 'Sale' },
      template: { elements: [{ buttons: [{ type: 'web_url', url: 'file:///etc/passwd', title: 'Open' }] }] },
      links: ['vbscript:x', 'https://example.com/ok'],
      referer_uri: 'java\nscript:alert(1)',
      ImageURL: 'javascript:alert(1)',
      MediaUrl0: 'javascript:alert(1)',
      unset: undefined,
      count: 2,
    };
    const cleaned = {
      payload: 'javascript:is-a-button-id-here',
      link: { title: 'Shop' },
      referral: { image_url: 'https://cdn.example.com/ad.jpg', headline: 'Sale' },
      template: { elements: [{ buttons: [{ type: 'web_url', title: 'Open' }] }] },
      links: ['https://example.com/ok'],
      unset: undefined,
      count: 2,
    };
    const notice: NormalizedNotice = { kind: 'notice', eventId: 'e1', name: 'messenger.referral', details };

    expect((withHttpUrlsOnly(aMessage({ details })) as NormalizedMessage).details).toStrictEqual(cleaned);
    expect((withHttpUrlsOnly(notice) as NormalizedNotice).details).toStrictEqual(cleaned);
  });

  it('refuses details nested too deep to inspect as a payload to quarantine, not a stack overflow', () => {
    let nested: unknown = 'https://example.com/';
    for (let depth = 0; depth < 100_000; depth += 1) nested = [nested];

    expect(() => withHttpUrlsOnly(aMessage({ details: { nested } }))).toThrow(PermanentError);
  });

  it('leaves events without URLs as they are', () => {
    const status: NormalizedStatus = {
      kind: 'status',
      channel: 'sms',
      businessAddress: '+15005550006',
      customerAddress: '+14155550100',
      eventId: 'SM1:delivered',
      providerMessageIds: ['SM1'],
      status: 'delivered',
      providerStatus: 'delivered',
    };

    expect(withHttpUrlsOnly(status)).toBe(status);
  });
});

describe("the registry's providers", () => {
  it("keep a Twilio MMS's media item with its content type, without its javascript: URL", async () => {
    const request = formRequest(
      'https://hooks.example.com/prod/webhooks/twilio/ep_0123456789abcdefghijklmnopq',
      inboundSmsFields({ NumMedia: '1', MediaUrl0: 'javascript:alert(document.domain)', MediaContentType0: 'image/jpeg' }),
    );

    const [message] = (await loadProvider('twilio'))!.normalize(request) as NormalizedMessage[];

    expect(message?.media).toEqual([{ contentType: 'image/jpeg' }]);
  });
});
