import { describe, expect, it } from 'vitest';
import { standardWebhookHeaders } from '../../../../functions/providers/standard/signature.ts';
import { standard } from '../../../../functions/providers/standard/index.ts';
import type { WebhookRequest } from '../../../../functions/providers/types.ts';
import { anEndpoint } from '../../../helpers/factories.ts';

const url = 'https://hooks.example.com/webhooks/standard/ep_0123456789abcdefghijklmnopq';
const now = new Date('2026-11-23T12:00:00Z');
const secret = 'whsec_6xd7wbdBb8aZUfzrQySCBJLis6ifQYt+';
const otherSecret = 'whsec_984WYmS1AbkF5AHhsgGAnanbnyZiEJsE';
const body = '{"type":"message.received","data":{"channel":"sms","from":"+14155550100","to":"+15005550006","text":"hi"}}';

const endpointWith = (...secrets: string[]) => anEndpoint({ provider: 'standard', secrets });

/** A request signed with `signingSecret` at `signedAt`. */
const requestSignedWith = (signingSecret: string, signedAt = now, headerOverrides: Record<string, string> = {}): WebhookRequest => ({
  url,
  headers: { 'content-type': 'application/json', ...standardWebhookHeaders(signingSecret, 'msg_2pQk8f3TnV9hYbXcLpRzJ4mD1sA', signedAt, body), ...headerOverrides },
  body: Buffer.from(body),
});

const withoutHeader = (request: WebhookRequest, name: string): WebhookRequest => ({
  ...request,
  headers: Object.fromEntries(Object.entries(request.headers).filter(([header]) => header !== name)),
});

const secondsFromNow = (seconds: number) => new Date(now.getTime() + seconds * 1000);

describe('standard.verify', () => {
  it("accepts the reference library's test vector at its own time", () => {
    // Prepare: standard-webhooks/standard-webhooks libraries/javascript/src/webhook.test.ts
    const request: WebhookRequest = {
      url,
      headers: {
        'webhook-id': 'msg_p5jXN8AQM9LWM0D4loKWxJek',
        'webhook-timestamp': '1614265330',
        'webhook-signature': 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
      },
      body: Buffer.from('{"test": 2432232314}'),
    };

    // Act
    const verdict = standard.verify(request, endpointWith('whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'), new Date(1614265330 * 1000));

    // Assess
    expect(verdict).toEqual({ ok: true });
  });

  it('accepts the same vector under the svix- header names', () => {
    const request: WebhookRequest = {
      url,
      headers: {
        'svix-id': 'msg_p5jXN8AQM9LWM0D4loKWxJek',
        'svix-timestamp': '1614265330',
        'svix-signature': 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
      },
      body: Buffer.from('{"test": 2432232314}'),
    };

    const verdict = standard.verify(request, endpointWith('whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'), new Date(1614265330 * 1000));

    expect(verdict.ok).toBe(true);
  });

  it('accepts a secret stored without its whsec_ prefix', () => {
    const request = requestSignedWith(secret);

    expect(standard.verify(request, endpointWith(secret.slice('whsec_'.length)), now).ok).toBe(true);
  });

  it('refuses a request whose body was changed after signing', () => {
    const request = { ...requestSignedWith(secret), body: Buffer.from(body.replace('"hi"', '"refund me"')) };

    expect(standard.verify(request, endpointWith(secret), now)).toEqual({ ok: false, refusal: 'signature', reason: 'invalid webhook-signature' });
  });

  it('refuses a request whose webhook-id was changed after signing', () => {
    const request = requestSignedWith(secret, now, { 'webhook-id': 'msg_someOtherEvent' });

    expect(standard.verify(request, endpointWith(secret), now).ok).toBe(false);
  });

  it('refuses a request signed with another secret', () => {
    expect(standard.verify(requestSignedWith(otherSecret), endpointWith(secret), now).ok).toBe(false);
  });

  it('refuses everything when the endpoint has no secret', () => {
    expect(standard.verify(requestSignedWith(secret), endpointWith(), now).ok).toBe(false);
  });

  it('accepts a request signed with the older of the endpoint secrets during a rotation', () => {
    const request = requestSignedWith(otherSecret);

    expect(standard.verify(request, endpointWith(secret, otherSecret), now).ok).toBe(true);
  });

  it('accepts a header listing several signatures when any v1 one matches', () => {
    // What a sender rotating its own secret sends: one signature per key, space-delimited.
    const signed = requestSignedWith(secret);
    const stale = requestSignedWith(otherSecret).headers['webhook-signature'];
    const request = requestSignedWith(secret, now, { 'webhook-signature': `${stale} v2,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc= ${signed.headers['webhook-signature']}` });

    expect(standard.verify(request, endpointWith(secret), now).ok).toBe(true);
  });

  it('ignores a v1a (ed25519) entry, even one carrying the right HMAC', () => {
    const hmac = requestSignedWith(secret).headers['webhook-signature']?.slice('v1,'.length);
    const request = requestSignedWith(secret, now, { 'webhook-signature': `v1a,${hmac}` });

    expect(standard.verify(request, endpointWith(secret), now)).toEqual({ ok: false, refusal: 'signature', reason: 'no v1 signature in webhook-signature' });
  });

  it.each([0, 299, 300, -300])('accepts a timestamp %i s old', (age) => {
    const request = requestSignedWith(secret, secondsFromNow(-age));

    expect(standard.verify(request, endpointWith(secret), now).ok).toBe(true);
  });

  it('refuses a timestamp more than 5 minutes old with a reason saying so', () => {
    const request = requestSignedWith(secret, secondsFromNow(-301));

    expect(standard.verify(request, endpointWith(secret), now)).toEqual({
      ok: false,
      refusal: 'signature',
      reason: 'webhook-timestamp is 301 s old, beyond the 300 s tolerance',
    });
  });

  it('refuses a timestamp more than 5 minutes in the future with a reason saying so', () => {
    const request = requestSignedWith(secret, secondsFromNow(301));

    expect(standard.verify(request, endpointWith(secret), now)).toEqual({
      ok: false,
      refusal: 'signature',
      reason: 'webhook-timestamp is 301 s in the future, beyond the 300 s tolerance',
    });
  });

  it.each(['webhook-id', 'webhook-timestamp', 'webhook-signature'])('refuses a request without %s', (header) => {
    const request = withoutHeader(requestSignedWith(secret), header);

    expect(standard.verify(request, endpointWith(secret), now)).toMatchObject({ ok: false, refusal: 'signature', reason: expect.stringContaining(header) });
  });

  it('does not mix header families: a webhook-signature with only svix-id is missing its id', () => {
    const signed = requestSignedWith(secret);
    const request = withoutHeader({ ...signed, headers: { ...signed.headers, 'svix-id': signed.headers['webhook-id'] ?? '' } }, 'webhook-id');

    expect(standard.verify(request, endpointWith(secret), now)).toMatchObject({ ok: false, reason: 'missing webhook-id' });
  });

  it('refuses a webhook-id with a dot, which could move the boundaries of the signed content', () => {
    const request = requestSignedWith(secret, now, { 'webhook-id': 'msg.1' });

    expect(standard.verify(request, endpointWith(secret), now)).toMatchObject({ ok: false, reason: 'webhook-id must not contain "."' });
  });

  it.each([
    ['a non-numeric timestamp', { 'webhook-timestamp': 'hello' }],
    ['a timestamp in milliseconds', { 'webhook-timestamp': String(now.getTime()) }],
    ['a negative timestamp', { 'webhook-timestamp': '-1795435200' }],
    ['a signature without a comma', { 'webhook-signature': 'v1' }],
    ['an empty v1 signature', { 'webhook-signature': 'v1,' }],
    ['a truncated signature', { 'webhook-signature': 'v1,dawfeoifkpqwoekfpqoekf' }],
    ['an empty signature list', { 'webhook-signature': '' }],
    ['a signature list of spaces and commas', { 'webhook-signature': ' , ,, v1 ' }],
  ])('refuses %s without throwing', (_, headers) => {
    const request = requestSignedWith(secret, now, headers);

    expect(standard.verify(request, endpointWith(secret), now).ok).toBe(false);
  });

  it.each(['', 'whsec_', 'whsec_%%%', 'not a secret at all'])('refuses, without throwing, for the malformed endpoint secret %j', (malformed) => {
    expect(standard.verify(requestSignedWith(secret), endpointWith(malformed), now).ok).toBe(false);
  });

  it('still accepts with a good secret next to a malformed one', () => {
    expect(standard.verify(requestSignedWith(secret), endpointWith('whsec_%%%', secret), now).ok).toBe(true);
  });
});

describe('standard.acknowledge', () => {
  it('is a 204 with an empty body', () => {
    const { statusCode, body: ackBody } = standard.acknowledge(requestSignedWith(secret));

    expect(statusCode).toBe(204);
    expect(ackBody).toBe('');
  });
});
