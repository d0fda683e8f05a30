import { describe, expect, it } from 'vitest';
import type { NormalizedMessage } from '../../../../functions/core/message.ts';
import { sendgrid } from '../../../../functions/providers/sendgrid/index.ts';
import { endpointWith, readSampleFile, requestOf } from '../email/sample-files.ts';

const url = 'https://hooks.example.com/webhooks/sendgrid/ep_0123456789abcdefghijklmnopq';

describe('sendgrid.sample', () => {
  it('is an Inbound Parse mail that verifies with its credential and carries the text, from and to', () => {
    // Prepare
    const now = new Date('2026-11-23T12:00:00Z');

    // Act
    const sample = sendgrid.sample({ url, secret: 'switchboard:s3cret', text: 'Hola, ¿dónde está mi pedido? 📦', from: 'ana@example.net', to: 'help@parse.example.com', now });

    // Assess
    const request = { url, headers: sample.headers, body: Buffer.from(sample.body) };
    expect(sendgrid.verify(request, endpointWith('sendgrid', ['switchboard:s3cret']), now).ok).toBe(true);
    expect(sendgrid.verify(request, endpointWith('sendgrid', ['switchboard:other']), now).ok).toBe(false);
    expect(sendgrid.normalize(request)).toEqual([
      expect.objectContaining({
        kind: 'message',
        channel: 'email',
        text: 'Hola, ¿dónde está mi pedido? 📦',
        customerAddress: 'ana@example.net',
        businessAddress: 'help@parse.example.com',
        providerTimestamp: '2026-11-23T12:00:00.000Z',
      }),
    ]);
  });

  it('gives every sample its own Message-ID', () => {
    const ids = [1, 2].map(() => {
      const sample = sendgrid.sample({ url, secret: 'a:b', text: 'hi' });
      return (sendgrid.normalize({ url, headers: sample.headers, body: Buffer.from(sample.body) })[0] as NormalizedMessage).providerMessageId;
    });

    expect(ids[0]).not.toBe(ids[1]);
  });

  it('cannot be made with a verification key, which signs nothing', () => {
    expect(() => sendgrid.sample({ url, secret: 'MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE', text: 'hi' })).toThrow(/user:password/);
  });
});

describe('events/sendgrid samples', () => {
  const verifies = (path: string) => {
    const sample = readSampleFile(path);
    const now = sample.receivedAt === undefined ? new Date() : new Date(sample.receivedAt);
    expect(sendgrid.verify(requestOf(sample), endpointWith('sendgrid', [sample.secret]), now)).toEqual({ ok: true });
    expect(sendgrid.verify(requestOf(sample), endpointWith('sendgrid', []), now).ok).toBe(false);
    return sendgrid.normalize(requestOf(sample));
  };

  it('inbound-parse.json verifies and is a Japanese mail decoded from ISO-2022-JP, with its CSV attachment', () => {
    const events = verifies('sendgrid/inbound-parse.json');

    expect(events).toEqual([
      {
        kind: 'message',
        channel: 'email',
        direction: 'inbound',
        providerMessageId: '20261121000352.7A3F2C@mail.example.jp',
        businessAddress: 'support@parse.example.com',
        customerAddress: 'hanako.yamada@example.jp',
        from: 'hanako.yamada@example.jp',
        to: 'support@parse.example.com',
        text: 'お世話になっております。\r\n注文#1042はいつ届きますか？\r\n領収書を添付します。\r\n\r\n山田花子\r\n',
        media: [{ filename: 'receipt-1042.csv', contentType: 'text/csv', sizeBytes: 60 }],
        contentType: 'email',
        subject: '注文#1042の配送について',
        providerTimestamp: '2026-11-20T15:03:52.000Z',
      },
    ]);
  });

  it('inbound-raw-mime.json verifies and is a reply read from the raw MIME, with its PDF', () => {
    const events = verifies('sendgrid/inbound-raw-mime.json');

    expect(events).toEqual([
      expect.objectContaining({
        providerMessageId: 'CAF=9xQk1042@mail.example.org',
        customerAddress: 'jose.perez@example.org',
        businessAddress: 'support@parse.example.com',
        subject: 'Factura del pedido nº 1042',
        text: 'Hola, adjunto la factura del pedido nº 1042. ¿Podéis confirmar la dirección de envío?\r\n\r\nJosé\r\n',
        replyTo: 'LRzXl_NHStOGhQ4kofSm_A@ismtpd0039p1iad1.sendgrid.net',
        media: [{ filename: 'factura-1042.pdf', contentType: 'application/pdf', sizeBytes: 37 }],
      }),
    ]);
  });

  it('events.json verifies and is three receipts and a click for one mail, then a bounce for another', () => {
    const events = verifies('sendgrid/events.json');

    expect(events.map((event) => (event.kind === 'status' ? `${event.status}:${event.providerMessageIds.join()}` : event.kind === 'notice' ? `notice:${event.name}` : event.kind))).toEqual([
      'queued:Fut1XCSgQFuJOGZNaeOjOQ',
      'delivered:Fut1XCSgQFuJOGZNaeOjOQ',
      'read:Fut1XCSgQFuJOGZNaeOjOQ',
      'notice:click',
      'failed:QmVb8eKdTmm9y5Vw-bQa_A',
    ]);
  });
});
