import { describe, expect, it } from 'vitest';
import { mailgun } from '../../../../functions/providers/mailgun/index.ts';
import { freshnessSeconds } from '../../../../functions/providers/mailgun/verify.ts';
import { endpointWith, readSampleFile, requestOf } from '../email/sample-files.ts';

const url = 'https://hooks.example.com/webhooks/mailgun/ep_0123456789abcdefghijklmnopq';

describe('mailgun.sample', () => {
  it('is a route POST signed at `now` that carries the text, from and to', () => {
    // Prepare
    const now = new Date('2026-11-23T12:00:00Z');

    // Act
    const sample = mailgun.sample({ url, secret: 'signing-key', text: 'Is my order ready? 📦', from: 'ana@example.net', to: 'help@mg.example.com', now });

    // Assess
    const request = { url, headers: sample.headers, body: Buffer.from(sample.body) };
    expect(mailgun.verify(request, endpointWith('mailgun', ['signing-key']), now).ok).toBe(true);
    expect(mailgun.verify(request, endpointWith('mailgun', ['signing-key']), new Date(now.getTime() + (freshnessSeconds + 1) * 1000)).ok).toBe(false);
    expect(mailgun.normalize(request)).toEqual([
      expect.objectContaining({ text: 'Is my order ready? 📦', customerAddress: 'ana@example.net', businessAddress: 'help@mg.example.com', providerTimestamp: '2026-11-23T12:00:00.000Z' }),
    ]);
  });

  it('signs each sample with its own token', () => {
    const tokens = [1, 2].map(() => new URLSearchParams(mailgun.sample({ url, secret: 'k', text: 'hi' }).body).get('token'));

    expect(tokens[0]).toMatch(/^[0-9a-f]{50}$/);
    expect(tokens[0]).not.toBe(tokens[1]);
  });
});

describe('events/mailgun samples', () => {
  const verifies = (path: string) => {
    const sample = readSampleFile(path);
    const receivedAt = new Date(sample.receivedAt ?? '');
    const request = requestOf(sample);
    expect(mailgun.verify(request, endpointWith('mailgun', [sample.secret]), receivedAt)).toMatchObject({ ok: true, nonce: { key: expect.any(String) } });
    expect(mailgun.verify(request, endpointWith('mailgun', ['another-key']), receivedAt).ok).toBe(false);
    return mailgun.normalize(request);
  };

  it('inbound-route.json verifies and is a reply, its quoted history stripped', () => {
    expect(verifies('mailgun/inbound-route.json')).toEqual([
      {
        kind: 'message',
        channel: 'email',
        direction: 'inbound',
        providerMessageId: 'CAH7rQ2x=1042@mail.example.net',
        businessAddress: 'support@mg.example.com',
        customerAddress: 'ana.ruiz@example.net',
        from: 'ana.ruiz@example.net',
        to: 'support@mg.example.com',
        text: 'Thanks! Could you leave it with the neighbour at no. 12?',
        media: [],
        contentType: 'email',
        subject: 'Re: Your order #1042 has shipped',
        replyTo: '20261120100000.1.C0FFEE1042@mg.example.com',
        providerTimestamp: '2026-11-20T14:59:55.000Z',
      },
    ]);
  });

  it('inbound-multipart.json verifies and carries its two attachments', () => {
    expect(verifies('mailgun/inbound-multipart.json')).toEqual([
      expect.objectContaining({
        providerMessageId: '5f0e2d1c-1042-4b7a-9e3d-0c1b2a394857@example.cn',
        customerAddress: 'li.wei@example.cn',
        subject: '订单 #1042 的发票',
        text: '您好，附件是订单 #1042 的发票和送货时间。',
        media: [
          { filename: 'invoice-1042.csv', contentType: 'text/csv', sizeBytes: 60 },
          { filename: 'delivery.ics', contentType: 'text/calendar', sizeBytes: 181 },
        ],
      }),
    ]);
  });

  it('event-delivered.json verifies and is a delivered receipt', () => {
    expect(verifies('mailgun/event-delivered.json')).toEqual([
      expect.objectContaining({ kind: 'status', status: 'delivered', providerMessageIds: ['20261120145955.1.C0FFEE1042@mg.example.com'], businessAddress: 'orders@mg.example.com' }),
    ]);
  });

  it('event-failed.json verifies and is a permanent failure', () => {
    expect(verifies('mailgun/event-failed.json')).toEqual([
      expect.objectContaining({ kind: 'status', status: 'failed', providerStatus: 'failed:permanent', customerAddress: 'old.address@example.com', error: expect.objectContaining({ code: '550' }) }),
    ]);
  });
});
