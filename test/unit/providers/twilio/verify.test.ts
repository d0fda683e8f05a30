import { describe, expect, it } from 'vitest';
import { twilio } from '../../../../functions/providers/twilio/index.ts';
import { twilioSignature } from '../../../../functions/providers/twilio/signature.ts';
import type { WebhookRequest } from '../../../../functions/providers/types.ts';
import { anEndpoint, endpointUrl } from '../../../helpers/factories.ts';
import { asWebhookRequest, inboundSmsFields, signedTwilioJsonRequest, signedTwilioRequest, statusCallbackFields } from '../../../helpers/twilio.ts';

const now = new Date('2026-11-23T12:00:00Z');

/** A request as the ack path hands it to the provider: signed by Twilio for `signedFor`, received at `receivedAt`. */
const requestSignedWith = (token: string, { signedFor = endpointUrl, receivedAt = endpointUrl, fields = inboundSmsFields({ Body: 'Is my order ready?' }) } = {}): WebhookRequest =>
  asWebhookRequest(receivedAt, signedTwilioRequest(signedFor, token, fields));

const verifies = (request: WebhookRequest, secrets: string[]): boolean => twilio.verify(request, anEndpoint({ secrets }), now).ok;

/** twilio-node's `validateRequest(token, signature, url, params)`, through the provider. */
const validatesForm = (token: string, signature: string, url: string, params: [string, string][]): boolean =>
  verifies({ url, headers: { 'x-twilio-signature': signature }, body: Buffer.from(new URLSearchParams(params).toString()) }, [token]);

/** twilio-node's `validateRequestWithBody(token, signature, url, body)`, through the provider. */
const validatesBody = (token: string, signature: string, url: string, body: string): boolean =>
  verifies({ url, headers: { 'x-twilio-signature': signature }, body: Buffer.from(body) }, [token]);

describe('twilio.verify', () => {
  it('accepts a request signed with the endpoint secret', () => {
    // Prepare
    const request = requestSignedWith('token-a');

    // Act
    const { ok: valid } = twilio.verify(request, anEndpoint({ secrets: ['token-a'] }), now);

    // Assess
    expect(valid).toBe(true);
  });

  it('accepts a status callback signed with the endpoint secret', () => {
    const request = requestSignedWith('token-a', { fields: statusCallbackFields({ MessageStatus: 'failed', ErrorCode: '30008' }) });

    expect(verifies(request, ['token-a'])).toBe(true);
  });

  it('refuses a request without the signature header with 401', () => {
    const signed = requestSignedWith('token-a');
    const { 'x-twilio-signature': _, ...headers } = signed.headers;

    const verdict = twilio.verify({ ...signed, headers }, anEndpoint({ secrets: ['token-a'] }), now);

    expect(verdict).toEqual({ ok: false, refusal: 'signature', reason: 'missing X-Twilio-Signature' });
  });

  it('refuses a request whose body was changed after signing', () => {
    const request = requestSignedWith('token-a');
    const form = new URLSearchParams(request.body.toString());
    form.set('Body', 'Refund me');

    expect(verifies({ ...request, body: Buffer.from(form.toString()) }, ['token-a'])).toBe(false);
  });

  it('refuses a request with a parameter added after signing', () => {
    const request = requestSignedWith('token-a');

    expect(verifies({ ...request, body: Buffer.from(`${request.body.toString()}&Extra=1`) }, ['token-a'])).toBe(false);
  });

  it('refuses a request signed for another URL', () => {
    const request = requestSignedWith('token-a', { signedFor: 'https://hooks.example.com/webhooks/twilio/ep_other' });

    expect(verifies(request, ['token-a'])).toBe(false);
  });

  it('refuses a request signed with another secret', () => {
    expect(verifies(requestSignedWith('token-of-someone-else'), ['token-a'])).toBe(false);
  });

  it('refuses everything when the endpoint has no secret', () => {
    expect(verifies(requestSignedWith('token-a'), [])).toBe(false);
  });

  it('accepts a request signed with the older of two secrets during a rotation', () => {
    expect(verifies(requestSignedWith('token-old'), ['token-new', 'token-old'])).toBe(true);
  });

  it('accepts a request Twilio signed with :443 when the configured URL has no port', () => {
    const withPort = endpointUrl.replace('https://hooks.example.com/', 'https://hooks.example.com:443/');

    expect(verifies(requestSignedWith('token-a', { signedFor: withPort, receivedAt: endpointUrl }), ['token-a'])).toBe(true);
  });

  it("accepts a query Twilio signed with a raw ' that reaches us re-encoded as %27", () => {
    // The ack rebuilds the query with URLSearchParams; twilio-node's legacy querystring form undoes that.
    const request = requestSignedWith('token-a', { signedFor: `${endpointUrl}?tag=it's`, receivedAt: `${endpointUrl}?tag=it%27s` });

    expect(verifies(request, ['token-a'])).toBe(true);
  });

  it.each([
    ['a malformed percent-escape', 'Body=100%&MessageSid=SM1'],
    ['invalid UTF-8', Buffer.from([0x42, 0x6f, 0x64, 0x79, 0x3d, 0xff, 0xfe])],
  ])('refuses a form body with %s without throwing', (_, body) => {
    const request = requestSignedWith('token-a');

    const verdict = twilio.verify({ ...request, body: Buffer.from(body) }, anEndpoint({ secrets: ['token-a'] }), now);

    expect(verdict.ok).toBe(false);
  });

  it.each([
    ['empty', ''],
    ['not base64', 'not-base64!!'],
    ['10 KB long', 'A'.repeat(10_000)],
    ['a valid signature with a NUL appended', 'RSOYDt4T1cUTdK1PDd93/VVr8B8=\u0000'],
  ])('refuses a signature header that is %s without throwing', (_, header) => {
    const request = requestSignedWith('token-a');

    expect(verifies({ ...request, headers: { ...request.headers, 'x-twilio-signature': header } }, ['token-a'])).toBe(false);
  });

  it('refuses a request whose URL is not a URL without throwing', () => {
    const request = requestSignedWith('token-a', { receivedAt: '::not a url::?bodySHA256=%' });

    expect(verifies(request, ['token-a'])).toBe(false);
  });
});

describe('twilio.verify with a JSON body (bodySHA256)', () => {
  const body = '{"MessageSid":"SM6fe4c5b1d1a5ee2ef6c7e0b3f6b4b1a0","Body":"hi"}';

  it('accepts a JSON body whose hash is in the signed URL', () => {
    const signed = signedTwilioJsonRequest(endpointUrl, 'token-a', body);

    expect(verifies(asWebhookRequest(signed.url, signed), ['token-a'])).toBe(true);
  });

  it('accepts it signed with the older of two secrets during a rotation', () => {
    const signed = signedTwilioJsonRequest(endpointUrl, 'token-old', body);

    expect(verifies(asWebhookRequest(signed.url, signed), ['token-new', 'token-old'])).toBe(true);
  });

  it('refuses a body changed after signing, though the URL still verifies', () => {
    const signed = signedTwilioJsonRequest(endpointUrl, 'token-a', body);

    const verdict = twilio.verify(asWebhookRequest(signed.url, { ...signed, body: body.replace('hi', 'refund me') }), anEndpoint({ secrets: ['token-a'] }), now);

    expect(verdict).toEqual({ ok: false, refusal: 'signature', reason: 'body does not match its bodySHA256' });
  });

  it('refuses a body re-serialized after signing', () => {
    const signed = signedTwilioJsonRequest(endpointUrl, 'token-a', body);
    const reserialized = JSON.stringify(JSON.parse(body), null, 1);

    expect(verifies(asWebhookRequest(signed.url, { ...signed, body: reserialized }), ['token-a'])).toBe(false);
  });

  it('refuses a URL with a second bodySHA256 appended', () => {
    const signed = signedTwilioJsonRequest(endpointUrl, 'token-a', body);
    const forged = signedTwilioJsonRequest(endpointUrl, 'token-a', '{"Body":"forged"}');
    const url = `${signed.url}&${new URL(forged.url).search.slice(1)}`;

    const verdict = twilio.verify(asWebhookRequest(url, { ...signed, body: '{"Body":"forged"}' }), anEndpoint({ secrets: ['token-a'] }), now);

    expect(verdict).toEqual({ ok: false, refusal: 'signature', reason: 'more than one bodySHA256' });
  });

  it('refuses a URL whose query cannot be decoded without throwing', () => {
    const signed = signedTwilioJsonRequest(endpointUrl, 'token-a', body);

    expect(verifies(asWebhookRequest(`${signed.url}&x=%zz`, signed), ['token-a'])).toBe(false);
  });
});

describe("twilio.verify against twilio-node's vectors", () => {
  // twilio/twilio-node spec/validation.spec.js @005ea9cdbad2969f1d6c1f5059aa7df509f2d934
  const token = '12345';
  const requestUrl = 'https://mycompany.com/myapp.php?foo=1&bar=2';
  const defaultParams: [string, string][] = [
    ['CallSid', 'CA1234567890ABCDE'],
    ['Caller', '+14158675309'],
    ['Digits', '1234'],
    ['From', '+14158675309'],
    ['To', '+18005551212'],
  ];
  const jsonBody = '{"property": "value", "boolean": true}';
  const jsonBodyHash = '0a1ff7634d9ab3b95db5c9a2dfe9416e41502b283a80c7cf19632632f96e6620';

  it.each([
    ['the correct signature', requestUrl, 'RSOYDt4T1cUTdK1PDd93/VVr8B8='],
    ['an https URL with a port, by stripping it', requestUrl.replace('.com', '.com:1234'), 'RSOYDt4T1cUTdK1PDd93/VVr8B8='],
    ['an http URL with a port', requestUrl.replace('.com', '.com:1234').replace('https', 'http'), 'Zmvh+3yNM1Phv2jhDCwEM3q5ebU='],
    ['an https URL without a port, by adding 443', requestUrl, 'kvajT1Ptam85bY51eRf/AJRuM3w='],
    ['an http URL without a port, by adding 80', requestUrl.replace('https', 'http'), '0ZXoZLH/DfblKGATFgpif+LLRf4='],
    ['a URL with credentials', 'https://user:pass@mycompany.com/myapp.php?foo=1&bar=2', 'CukzLTc1tT5dXEDIHm/tKBanW10='],
    ['a URL with just a username', 'https://user@mycompany.com/myapp.php?foo=1&bar=2', '2YRLlVAflCqxaNicjMpJcSTgzSs='],
    ['a URL with credentials, by adding the port', 'https://user:pass@mycompany.com/myapp.php?foo=1&bar=2', 'ZQFR1PTIZXF2MXB8ZnKCvnnA+rI='],
    ['a URL with special characters', `${requestUrl}&Body=It's+amazing`, 'dsq4Ehbj6cs+KdTkpF5sSSplOWw='],
  ])('validates %s', (_, url, signature) => {
    expect(validatesForm(token, signature, url, defaultParams)).toBe(true);
  });

  it('validates an array parameter whatever the order of its values', () => {
    const addresses: [string, string][] = [
      ['MessagingBinding.Address', '+1325xxxxxxx'],
      ['MessagingBinding.Address', '+1415xxxxxxx'],
    ];

    expect(validatesForm(token, '83O6e2vORAoJHUNzJjDWN1jz+BA=', requestUrl, addresses)).toBe(true);
    expect(validatesForm(token, '83O6e2vORAoJHUNzJjDWN1jz+BA=', requestUrl, [...addresses].reverse())).toBe(true);
  });

  it('validates multiple parameters and repeated values', () => {
    const params: [string, string][] = [
      ['Sid', 'CA123'],
      ['SidAccount', 'AC123'],
      ['Digits', '5678'],
      ['Digits', '1234'],
      ['Digits', '1234'],
    ];

    expect(validatesForm(token, 'IK+Dwps556ElfBT0I3Rgjkr1wJU=', requestUrl, params)).toBe(true);
  });

  it('fails with the wrong signature', () => {
    expect(validatesForm(token, 'WRONG_SIGNATURE', requestUrl, defaultParams)).toBe(false);
  });

  it('fails for a query parameter added to the signed URL', () => {
    expect(validatesForm(token, 'RSOYDt4T1cUTdK1PDd93/VVr8B8=', `${requestUrl}&somethingUnexpected=true`, defaultParams)).toBe(false);
  });

  it.each([
    ['a body with its hash', `${requestUrl}&bodySHA256=${jsonBodyHash}`, 'a9nBmqA0ju/hNViExpshrM61xv4=', jsonBody],
    ['an empty body', `${requestUrl}&bodySHA256=44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a`, 'Ldidvp12m26NI7eqEvxnEpkd9Hc=', '{}'],
    ['a URL with only the hash parameter', `https://mycompany.com/myapp.php?bodySHA256=${jsonBodyHash}`, 'y77kIzt2vzLz71DgmJGsen2scGs=', jsonBody],
  ])('validates %s', (_, url, signature, body) => {
    expect(validatesBody(token, signature, url, body)).toBe(true);
  });

  it('fails for a body without a bodySHA256 parameter', () => {
    expect(validatesBody(token, 'RSOYDt4T1cUTdK1PDd93/VVr8B8=', requestUrl, jsonBody)).toBe(false);
  });

  it('fails for a body whose hash in the URL is wrong', () => {
    const url = `${requestUrl}&bodySHA256=${jsonBodyHash}`.slice(0, -1);

    expect(validatesBody(token, 'a9nBmqA0ju/hNViExpshrM61xv4=', url, jsonBody)).toBe(false);
  });

  describe('URL forms', () => {
    // twilio/twilio-node spec/unit/webhooks/webhooks.spec.js @17d127b7c42d33bd57ac0a3177e0f1540acfd231, whose
    // getExpectedTwilioSignature signs `new URL(url).toString()` (src/webhooks/webhooks.ts @044e3f83).
    const secret = 's3cr3t';
    const signedFor = (url: string) => twilioSignature(secret, new URL(url).toString());
    const validatesUrl = (serverUrl: string, targetUrl: string) =>
      verifies({ url: targetUrl, headers: { 'x-twilio-signature': signedFor(serverUrl) }, body: Buffer.alloc(0) }, [secret]);

    it.each([
      ['https://example.com:443/path?test=param', 'https://example.com:443/path?test=param'],
      ['https://example.com:443/path?test=param', 'https://example.com/path?test=param'],
      ['https://example.com/path?test=param', 'https://example.com/path?test=param'],
      ['https://example.com/path?test=param', 'https://example.com:443/path?test=param'],
      ["https://example.com/path?test=param'WithQuote", "https://example.com/path?test=param'WithQuote"],
      ["https://example.com/path?test=param'WithQuote", 'https://example.com/path?test=param%27WithQuote'],
      ['https://example.com/path?test=param%27WithQuote', "https://example.com/path?test=param'WithQuote"],
      ['https://example.com/path?test=param%27WithQuote', 'https://example.com/path?test=param%27WithQuote'],
    ])('validates a request signed for %s received at %s', (serverUrl, targetUrl) => {
      expect(validatesUrl(serverUrl, targetUrl)).toBe(true);
    });

    it('fails when the signed URL is not the target URL', () => {
      expect(validatesUrl('https://example.com/path?test=param', 'https://example.com/path?test=param2')).toBe(false);
    });
  });
});

describe('twilio.acknowledge', () => {
  it.each([
    ['an inbound message', requestSignedWith('token-a')],
    ['a status callback', requestSignedWith('token-a', { fields: statusCallbackFields() })],
  ])('answers %s with empty TwiML', (_, request) => {
    const { statusCode, headers, body } = twilio.acknowledge(request);

    expect(statusCode).toBe(200);
    expect(headers['content-type']).toBe('text/xml');
    expect(body).toMatch(/<Response>\s*<\/Response>/);
  });
});

describe('twilio.consoleUrl', () => {
  const consoleUrl = twilio.consoleUrl?.(endpointUrl) ?? '';
  const overrides = Object.fromEntries(new URLSearchParams(new URL(consoleUrl).hash.slice(1)));

  it('turns retries on for connection failures, timeouts and 5xx, never for a 4xx refusal', () => {
    expect(overrides).toMatchObject({ rc: '3', rp: 'ct,rt,5xx' });
  });

  it("keeps every override within Twilio's documented bounds", () => {
    // https://www.twilio.com/docs/usage/webhooks/webhooks-connection-overrides
    expect(Number(overrides.ct)).toBeGreaterThanOrEqual(100);
    expect(Number(overrides.ct)).toBeLessThanOrEqual(10_000);
    expect(Number(overrides.rt)).toBeGreaterThanOrEqual(100);
    expect(Number(overrides.rt)).toBeLessThanOrEqual(15_000);
    expect(Number(overrides.tt)).toBeLessThanOrEqual(15_000);
    expect(Number(overrides.rc)).toBeLessThanOrEqual(5);
  });

  it('is the webhook URL plus a fragment, which Twilio neither sends nor signs', () => {
    const called = new URL(consoleUrl);
    called.hash = '';
    const request = requestSignedWith('token-a', { signedFor: called.href, receivedAt: endpointUrl });

    expect(called.href).toBe(endpointUrl);
    expect(verifies(request, ['token-a'])).toBe(true);
  });
});

describe('twilio.sample', () => {
  it('makes an inbound text that verifies with its secret at its URL', () => {
    const sample = twilio.sample({ url: endpointUrl, secret: 'token-a', text: 'Hello', from: '+14155550123' });

    expect(verifies(asWebhookRequest(endpointUrl, sample), ['token-a'])).toBe(true);
    expect(twilio.normalize(asWebhookRequest(endpointUrl, sample))).toMatchObject([{ kind: 'message', text: 'Hello', from: '+14155550123' }]);
  });
});
