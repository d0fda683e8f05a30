import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { encodeFormData } from '../../../../functions/providers/email/form.ts';
import { mailgun } from '../../../../functions/providers/mailgun/index.ts';
import { signedTokenFields } from '../../../../functions/providers/mailgun/sample.ts';
import { mailgunSignature } from '../../../../functions/providers/mailgun/signature.ts';
import { freshnessSeconds } from '../../../../functions/providers/mailgun/verify.ts';
import type { WebhookRequest } from '../../../../functions/providers/types.ts';
import { endpointWith } from '../email/sample-files.ts';

const url = 'https://hooks.example.com/webhooks/mailgun/ep_0123456789abcdefghijklmnopq';
const endpoint = (...secrets: string[]) => endpointWith('mailgun', secrets);

// mailgun/mailgun-php tests/Api/WebhookTest.php (testVerifyWebhookGood / testVerifyWebhookBad)
const php = {
  signingKey: 'key-3ax6xnjp29jd6fds4gc373sgvjxteol0',
  timestamp: '1403645220',
  token: '5egbgr1vjgqxtrnp65xfznchgdccwh5d6i09vijqi3whgowmn6',
  otherToken: 'owyldpe6nxhmrn78epljl6bj0orrki1u3d2v5e6cnlmmuox8jr',
  signature: '9cfc5c41582e51246e73c88d34db3af0a3a2692a76fbab81492842f000256d33',
};
const signedAt = new Date(Number(php.timestamp) * 1000);
const secondsAfter = (seconds: number) => new Date(signedAt.getTime() + seconds * 1000);

const eventRequest = (signature: Record<string, unknown>): WebhookRequest => ({
  url,
  headers: { 'content-type': 'application/json' },
  body: Buffer.from(JSON.stringify({ signature, 'event-data': { event: 'delivered', id: 'hTWCTD81RtiDN', recipient: 'ana@example.net' } })),
});
const phpEvent = () => eventRequest({ timestamp: php.timestamp, token: php.token, signature: php.signature });

const routeRequest = (fields: Record<string, string>): WebhookRequest => ({
  url,
  headers: { 'content-type': 'application/x-www-form-urlencoded' },
  body: Buffer.from(new URLSearchParams(fields).toString()),
});
const mail = { recipient: 'support@mg.example.com', sender: 'ana@example.net', 'body-plain': 'Hi' };

describe('mailgunSignature', () => {
  it("matches mailgun-php's test vector", () => {
    expect(mailgunSignature(php.signingKey, php.timestamp, php.token)).toBe(php.signature);
  });
});

describe('mailgun.verify', () => {
  it("accepts mailgun-php's signed token in an event webhook, and claims the token", () => {
    // Act
    const verdict = mailgun.verify(phpEvent(), endpoint(php.signingKey), secondsAfter(2));

    // Assess
    expect(verdict).toEqual({ ok: true, nonce: { key: php.token, ttlSeconds: expect.any(Number) } });
  });

  it('claims the token for longer than a timestamp stays fresh, so a replay inside the window is caught', () => {
    const verdict = mailgun.verify(phpEvent(), endpoint(php.signingKey), secondsAfter(-freshnessSeconds));

    expect(verdict.ok && verdict.nonce?.ttlSeconds).toBeGreaterThan(2 * freshnessSeconds);
  });

  it("refuses mailgun-php's bad vector (the signature of another token) with 401, which Mailgun retries", () => {
    const request = eventRequest({ timestamp: php.timestamp, token: php.otherToken, signature: php.signature });

    expect(mailgun.verify(request, endpoint(php.signingKey), secondsAfter(2))).toEqual({ ok: false, refusal: 'signature', reason: 'invalid Mailgun signature' });
  });

  it("refuses mailgun-php's empty request", () => {
    expect(mailgun.verify(eventRequest({ timestamp: 0, token: '', signature: '' }), endpoint(php.signingKey), signedAt).ok).toBe(false);
  });

  it.each([
    ['stale', freshnessSeconds + 1],
    ['from the future', -(freshnessSeconds + 1)],
  ])('refuses a %s timestamp as a replay, answered with 406, which Mailgun never retries', (_, skew) => {
    expect(mailgun.verify(phpEvent(), endpoint(php.signingKey), secondsAfter(skew))).toMatchObject({ ok: false, refusal: 'replayed' });
    expect(mailgun.replayStatus).toBe(406);
  });

  it.each([freshnessSeconds, -freshnessSeconds])('accepts a timestamp %i s away, at the edge of the window', (skew) => {
    expect(mailgun.verify(phpEvent(), endpoint(php.signingKey), secondsAfter(skew)).ok).toBe(true);
  });

  it('refuses a stale forgery with 401, not 406: the signature is checked first', () => {
    expect(mailgun.verify(phpEvent(), endpoint('another-key'), secondsAfter(3600))).toMatchObject({ ok: false, refusal: 'signature' });
  });

  it('refuses another signing key', () => {
    expect(mailgun.verify(phpEvent(), endpoint('key-of-someone-else'), secondsAfter(2)).ok).toBe(false);
  });

  it('accepts the second of two keys during a rotation', () => {
    expect(mailgun.verify(phpEvent(), endpoint('key-new', php.signingKey), secondsAfter(2)).ok).toBe(true);
  });

  it('refuses everything when the endpoint has no key', () => {
    expect(mailgun.verify(phpEvent(), endpoint(), secondsAfter(2)).ok).toBe(false);
  });

  it('accepts a numeric timestamp in the JSON signature block', () => {
    const request = eventRequest({ timestamp: Number(php.timestamp), token: php.token, signature: php.signature });

    expect(mailgun.verify(request, endpoint(php.signingKey), secondsAfter(2)).ok).toBe(true);
  });

  it('refuses a signed timestamp that is not unix seconds', () => {
    const request = eventRequest({ timestamp: 'soon', token: php.token, signature: mailgunSignature(php.signingKey, 'soon', php.token) });

    expect(mailgun.verify(request, endpoint(php.signingKey), secondsAfter(2))).toMatchObject({ ok: false, refusal: 'signature' });
  });

  it('accepts a route POST signed in its form fields', () => {
    const request = routeRequest({ ...mail, ...signedTokenFields('route-key', signedAt) });

    expect(mailgun.verify(request, endpoint('route-key'), signedAt).ok).toBe(true);
  });

  it('accepts a multipart route POST (a mail with attachments) signed in its fields', () => {
    const fields = Object.entries({ ...mail, ...signedTokenFields('route-key', signedAt) }).map(([name, value]) => ({ name, bytes: Buffer.from(value) }));
    const body = encodeFormData([...fields, { name: 'attachment-1', bytes: randomBytes(2048), filename: 'photo.jpg', contentType: 'image/jpeg' }], 'mg-boundary');

    const request = { url, headers: { 'content-type': 'multipart/form-data; boundary=mg-boundary' }, body };

    expect(mailgun.verify(request, endpoint('route-key'), signedAt).ok).toBe(true);
  });

  it('accepts a changed body, which Mailgun does not sign: the token claim is what stops a replay', () => {
    const request = routeRequest({ ...mail, 'body-plain': 'Refund me', ...signedTokenFields('route-key', signedAt) });

    expect(mailgun.verify(request, endpoint('route-key'), signedAt)).toMatchObject({ ok: true, nonce: { key: expect.any(String) } });
  });

  it.each(['timestamp', 'token', 'signature'])('refuses a route POST without its %s field', (missing) => {
    const signed: Record<string, string> = { ...mail, ...signedTokenFields('route-key', signedAt) };
    const { [missing]: _, ...fields } = signed;

    expect(mailgun.verify(routeRequest(fields), endpoint('route-key'), signedAt)).toEqual({
      ok: false,
      refusal: 'signature',
      reason: 'missing Mailgun timestamp, token or signature',
    });
  });

  it.each([
    ['JSON that does not parse', 'application/json', '{"signature": {'],
    ['JSON without a signature block', 'application/json', '{"event-data": {}}'],
    ['a body of another type', 'text/plain', 'timestamp=1&token=2&signature=3'],
  ])('refuses %s', (_, contentType, body) => {
    expect(mailgun.verify({ url, headers: { 'content-type': contentType }, body: Buffer.from(body) }, endpoint('key'), signedAt).ok).toBe(false);
  });

  it('refuses random bodies and content types without throwing', () => {
    const contentTypes = ['application/json', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=b', 'multipart/form-data', ''];
    for (let round = 0; round < 300; round += 1) {
      const body = randomBytes(randomBytes(1)[0]! * 4);
      if (round % 3 === 0) body.write('--b\r\nContent-Disposition: form-data; name="token"\r\n\r\n', 0);
      const request = { url, headers: { 'content-type': contentTypes[round % contentTypes.length]! }, body };

      expect(mailgun.verify(request, endpoint('key'), signedAt).ok).toBe(false);
    }
  });
});

describe('mailgun.idsUniqueWithin', () => {
  it('is the endpoint: Message-Ids are chosen by whoever sends the mail', () => {
    expect(mailgun.idsUniqueWithin).toBe('endpoint');
  });
});

describe('mailgun.acknowledge', () => {
  it('is a 200, the only answer Mailgun takes as success', () => {
    expect(mailgun.acknowledge(phpEvent()).statusCode).toBe(200);
  });
});
