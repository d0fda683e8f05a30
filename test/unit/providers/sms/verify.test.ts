import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { androidGatewaySignature } from '../../../../functions/providers/sms/android-signature.ts';
import { sms } from '../../../../functions/providers/sms/index.ts';
import { standardWebhookHeaders } from '../../../../functions/providers/standard/signature.ts';
import type { WebhookRequest } from '../../../../functions/providers/types.ts';
import { anEndpoint } from '../../../helpers/factories.ts';

const url = 'https://hooks.example.com/webhooks/sms/ep_0123456789abcdefghijklmnopq';
const now = new Date('2026-11-23T12:00:00Z');
const nowSeconds = String(now.getTime() / 1000);
const token = 'GJdmB0BP18IlhxcFUW-ShZW0';
const standardSecret = 'whsec_984WYmS1AbkF5AHhsgGAnanbnyZiEJsE';

// The example payload of android-sms-gateway/docs-web docs/features/webhooks.md, "Receive the Payload".
const androidBody =
  '{"deviceId":"ffffffffceb0b1db0000018e937c815b","event":"sms:received","id":"Ey6ECgOkVVFjz3CL48B8C","payload":{"messageId":"abc123","message":"Android is always a sweet treat!","phoneNumber":"6505551212","simNumber":1,"receivedAt":"2024-06-22T15:46:11.000+07:00"},"webhookId":"<unique-id>"}';
const simpleBody = '{"guid":"7f0c6a52","number":"+14155550100","message":"hi"}';

const endpointWith = (...secrets: string[]) => anEndpoint({ provider: 'sms', secrets });

const request = (headers: Record<string, string>, body = simpleBody): WebhookRequest => ({
  url,
  headers: { 'content-type': 'application/json', ...headers },
  body: Buffer.from(body),
});

const androidSigned = (signingKey: string, timestamp = nowSeconds, body = androidBody): WebhookRequest =>
  request({ 'x-signature': androidGatewaySignature(signingKey, Buffer.from(body), timestamp), 'x-timestamp': timestamp }, body);

describe('sms.verify with a bearer token', () => {
  it('accepts the endpoint token', () => {
    // Prepare
    const bearer = request({ authorization: `Bearer ${token}` });

    // Act
    const verdict = sms.verify(bearer, endpointWith(token), now);

    // Assess
    expect(verdict).toEqual({ ok: true });
  });

  it('accepts the scheme in any case and surrounding spaces', () => {
    expect(sms.verify(request({ authorization: `bearer   ${token} ` }), endpointWith(token), now).ok).toBe(true);
  });

  it('refuses another token', () => {
    expect(sms.verify(request({ authorization: 'Bearer not-the-token' }), endpointWith(token), now)).toEqual({
      ok: false,
      refusal: 'signature',
      reason: 'invalid bearer token',
    });
  });

  it('refuses a prefix of the token', () => {
    expect(sms.verify(request({ authorization: `Bearer ${token.slice(0, -1)}` }), endpointWith(token), now).ok).toBe(false);
  });

  it('accepts the older of two tokens during a rotation', () => {
    expect(sms.verify(request({ authorization: 'Bearer old-token' }), endpointWith(token, 'old-token'), now).ok).toBe(true);
  });

  it.each([`Basic ${Buffer.from(`user:${token}`).toString('base64')}`, token, 'Bearer', 'Bearer    ', ''])(
    'refuses the Authorization header %j as not a bearer token',
    (authorization) => {
      expect(sms.verify(request({ authorization }), endpointWith(token), now)).toEqual({
        ok: false,
        refusal: 'signature',
        reason: 'Authorization is not a bearer token',
      });
    },
  );

  it('never accepts an empty token, even when the endpoint holds an empty secret', () => {
    expect(sms.verify(request({ authorization: 'Bearer ' }), endpointWith(''), now).ok).toBe(false);
  });

  it('does not take a whsec_ secret as a bearer token', () => {
    expect(sms.verify(request({ authorization: `Bearer ${standardSecret}` }), endpointWith(standardSecret), now).ok).toBe(false);
  });

  it('refuses a request with no credentials at all', () => {
    expect(sms.verify(request({}), endpointWith(token), now)).toMatchObject({ ok: false, refusal: 'signature', reason: expect.stringMatching(/^missing credentials/) });
  });
});

describe('sms.verify with an SMS Gateway for Android X-Signature', () => {
  it("accepts the docs' example payload signed as the docs' JavaScript sample signs it", () => {
    // Prepare: docs/features/webhooks.md, "Payload Signing": createHmac('sha256', secretKey).update(payload + timestamp).digest('hex')
    const signingKey = 'TOFpmaa1fLwmp10MvwJ4stLPb-j-SFpo';
    const documented = createHmac('sha256', signingKey).update(androidBody + nowSeconds).digest('hex');
    const signed = request({ 'x-signature': documented, 'x-timestamp': nowSeconds }, androidBody);

    // Act
    const verdict = sms.verify(signed, endpointWith(signingKey), now);

    // Assess
    expect(verdict).toEqual({ ok: true });
  });

  it('refuses a body changed after signing', () => {
    const signed = androidSigned(token);

    const verdict = sms.verify({ ...signed, body: Buffer.from(androidBody.replace('sweet treat', 'refund')) }, endpointWith(token), now);

    expect(verdict).toEqual({ ok: false, refusal: 'signature', reason: 'invalid X-Signature' });
  });

  it('refuses an X-Timestamp changed after signing', () => {
    const signed = androidSigned(token);

    const verdict = sms.verify({ ...signed, headers: { ...signed.headers, 'x-timestamp': String(Number(nowSeconds) - 1) } }, endpointWith(token), now);

    expect(verdict.ok).toBe(false);
  });

  it('refuses a signature made with another key', () => {
    expect(sms.verify(androidSigned('someone-elses-key'), endpointWith(token), now).ok).toBe(false);
  });

  it('accepts a signature made with the second key during a rotation', () => {
    expect(sms.verify(androidSigned('old-key'), endpointWith(token, 'old-key'), now).ok).toBe(true);
  });

  it('accepts an X-Timestamp 5 minutes old and refuses one older, with the reason', () => {
    const fiveMinutesAgo = String(Number(nowSeconds) - 300);
    const beyond = String(Number(nowSeconds) - 301);

    expect(sms.verify(androidSigned(token, fiveMinutesAgo), endpointWith(token), now).ok).toBe(true);
    expect(sms.verify(androidSigned(token, beyond), endpointWith(token), now)).toEqual({
      ok: false,
      refusal: 'signature',
      reason: 'X-Timestamp is 301 s old, beyond the 300 s tolerance',
    });
  });

  it('refuses an X-Timestamp more than 5 minutes in the future', () => {
    expect(sms.verify(androidSigned(token, String(Number(nowSeconds) + 301)), endpointWith(token), now).ok).toBe(false);
  });

  it.each([
    ['no X-Timestamp', { 'x-signature': 'ab'.repeat(32) }],
    ['an empty X-Signature', { 'x-signature': '', 'x-timestamp': nowSeconds }],
    ['an X-Timestamp in ISO 8601', { 'x-signature': 'ab'.repeat(32), 'x-timestamp': now.toISOString() }],
    ['a signature that is not hex', { 'x-signature': 'not hex at all', 'x-timestamp': nowSeconds }],
  ])('refuses %s without throwing', (_, headers) => {
    expect(sms.verify(request(headers, androidBody), endpointWith(token), now).ok).toBe(false);
  });

  it('does not sign with a whsec_ secret', () => {
    expect(sms.verify(androidSigned(standardSecret), endpointWith(standardSecret), now).ok).toBe(false);
  });

  it('refuses a wrong X-Signature even when a valid bearer token comes with it', () => {
    const signed = androidSigned('someone-elses-key');

    const verdict = sms.verify({ ...signed, headers: { ...signed.headers, authorization: `Bearer ${token}` } }, endpointWith(token), now);

    expect(verdict).toMatchObject({ ok: false, reason: 'invalid X-Signature' });
  });
});

describe('sms.verify with a Standard Webhooks signature', () => {
  const standardSigned = (secret: string) => request(standardWebhookHeaders(secret, 'msg_1', now, simpleBody));

  it('accepts a request signed with a whsec_ secret of the endpoint', () => {
    expect(sms.verify(standardSigned(standardSecret), endpointWith(token, standardSecret), now).ok).toBe(true);
  });

  it('refuses one signed with another whsec_ secret', () => {
    expect(sms.verify(standardSigned('whsec_6xd7wbdBb8aZUfzrQySCBJLis6ifQYt+'), endpointWith(standardSecret), now).ok).toBe(false);
  });

  it('reads only whsec_ secrets as signing secrets: a base64 token is a bearer token', () => {
    const base64Token = standardSecret.slice('whsec_'.length);

    expect(sms.verify(standardSigned(standardSecret), endpointWith(base64Token), now).ok).toBe(false);
  });

  it('refuses a stale Standard Webhooks timestamp', () => {
    const stale = request(standardWebhookHeaders(standardSecret, 'msg_1', new Date(now.getTime() - 10 * 60_000), simpleBody));

    expect(sms.verify(stale, endpointWith(standardSecret), now)).toMatchObject({ ok: false, reason: expect.stringMatching(/^webhook-timestamp is 600 s old/) });
  });
});

describe('sms.acknowledge', () => {
  it('is a 200 with an empty body', () => {
    const { statusCode, body } = sms.acknowledge(request({}));

    expect(statusCode).toBe(200);
    expect(body).toBe('');
  });
});
