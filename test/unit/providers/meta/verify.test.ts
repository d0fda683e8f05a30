import { describe, expect, it } from 'vitest';
import { meta } from '../../../../functions/providers/meta/index.ts';
import { metaSignature } from '../../../../functions/providers/meta/signature.ts';
import type { WebhookRequest } from '../../../../functions/providers/types.ts';
import { anEndpoint } from '../../../helpers/factories.ts';
import { appSecret, signedRequest, whatsappMessages, whatsappMessage } from './builders.ts';

const now = new Date('2026-11-23T12:00:00Z');
const endpoint = anEndpoint({ provider: 'meta', secrets: [appSecret] });
const payload = whatsappMessages(whatsappMessage({ type: 'text', text: { body: 'Is my order ready?' } }));

const withHeaders = (request: WebhookRequest, headers: Record<string, string>): WebhookRequest => ({ ...request, headers });

describe('meta.verify', () => {
  it('accepts a request signed with the app secret', () => {
    // Prepare
    const request = signedRequest(payload);

    // Act
    const verdict = meta.verify(request, endpoint, now);

    // Assess
    expect(verdict).toEqual({ ok: true });
  });

  it('refuses a request whose body was changed after signing', () => {
    const request = signedRequest(payload);
    const tampered = Buffer.from(request.body.toString().replace('Is my order ready?', 'Refund me please!!'));

    const verdict = meta.verify({ ...request, body: tampered }, endpoint, now);

    expect(verdict).toEqual({ ok: false, refusal: 'signature', reason: 'invalid X-Hub-Signature-256' });
  });

  it('refuses a request signed with another secret', () => {
    expect(meta.verify(signedRequest(payload, 'someone-elses-secret'), endpoint, now).ok).toBe(false);
  });

  it('accepts a request signed with the older of two secrets during a rotation', () => {
    const rotating = anEndpoint({ provider: 'meta', secrets: ['meta-app-secret-new', 'meta-app-secret-old'] });

    expect(meta.verify(signedRequest(payload, 'meta-app-secret-old'), rotating, now).ok).toBe(true);
  });

  it('accepts the Instagram app secret held beside the Facebook app secret', () => {
    // Instagram API with Instagram Login signs with the Instagram app's own secret.
    const both = anEndpoint({ provider: 'meta', secrets: ['facebook-app-secret', 'instagram-app-secret'] });
    const instagram = { object: 'instagram', entry: [{ id: '17841400000000000', time: 1, messaging: [] }] };

    expect(meta.verify(signedRequest(instagram, 'instagram-app-secret'), both, now).ok).toBe(true);
  });

  it('refuses everything when the endpoint has no secret, or only an empty one', () => {
    const request = signedRequest(payload, '');

    expect(meta.verify(request, anEndpoint({ provider: 'meta', secrets: [] }), now).ok).toBe(false);
    expect(meta.verify(request, anEndpoint({ provider: 'meta', secrets: [''] }), now).ok).toBe(false);
  });

  it('refuses a request without X-Hub-Signature-256, even with the legacy SHA-1 signature', () => {
    const request = signedRequest(payload);
    const { 'x-hub-signature-256': _, ...headers } = request.headers;

    const verdict = meta.verify(withHeaders(request, headers), endpoint, now);

    expect(verdict).toEqual({ ok: false, refusal: 'signature', reason: 'missing X-Hub-Signature-256' });
  });

  it.each([
    ['a bare digest', (signature: string) => signature.slice('sha256='.length)],
    ['a truncated digest', (signature: string) => signature.slice(0, 40)],
    ['another algorithm', (signature: string) => signature.replace('sha256=', 'sha512=')],
    ['garbage', () => 'sha256=<script>alert(1)</script>'],
  ])('refuses a garbled header (%s) without throwing', (_, garble) => {
    const request = signedRequest(payload);
    const header = garble(request.headers['x-hub-signature-256'] ?? '');

    const verdict = meta.verify(withHeaders(request, { ...request.headers, 'x-hub-signature-256': header }), endpoint, now);

    expect(verdict).toEqual({ ok: false, refusal: 'signature', reason: 'malformed X-Hub-Signature-256' });
  });

  it('accepts a signature written in upper-case hex', () => {
    const request = signedRequest(payload);
    const upper = `sha256=${(request.headers['x-hub-signature-256'] ?? '').slice('sha256='.length).toUpperCase()}`;

    expect(meta.verify(withHeaders(request, { ...request.headers, 'x-hub-signature-256': upper }), endpoint, now).ok).toBe(true);
  });

  it('verifies the escaped-unicode bytes Meta signs, which re-serializing would change', () => {
    // Messenger's doc: "äöå will be escaped to \u00e4\u00f6\u00e5", and Meta signs those bytes.
    const body = '{"object":"page","entry":[{"id":"1","time":1,"messaging":[{"message":{"text":"\\u00e4\\u00f6\\u00e5 \\ud83d\\udce6 https:\\/\\/example.com"}}]}]}';
    const headers = { 'x-hub-signature-256': metaSignature(appSecret, body) };
    const request: WebhookRequest = { url: 'https://hooks.example.com/x', headers, body: Buffer.from(body) };
    const reserialized = Buffer.from(JSON.stringify(JSON.parse(body)));

    expect(meta.verify(request, endpoint, now).ok).toBe(true);
    expect(reserialized.equals(request.body)).toBe(false);
    expect(meta.verify({ ...request, body: reserialized }, endpoint, now).ok).toBe(false);
  });

  it('verifies a body that is not JSON at all: parsing is the processor’s job', () => {
    const request = signedRequest('not JSON {');

    expect(meta.verify(request, endpoint, now).ok).toBe(true);
  });
});

describe('meta.acknowledge', () => {
  it('answers 200 EVENT_RECEIVED whatever the request carried', () => {
    const { statusCode, headers, body } = meta.acknowledge(signedRequest('not JSON {'));

    expect(statusCode).toBe(200);
    expect(headers['content-type']).toBe('text/plain');
    expect(body).toBe('EVENT_RECEIVED');
  });
});
