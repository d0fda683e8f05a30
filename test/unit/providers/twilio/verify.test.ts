import { describe, expect, it } from 'vitest';
import { twilio } from '../../../../functions/providers/twilio/index.ts';
import type { WebhookRequest } from '../../../../functions/providers/types.ts';
import { anEndpoint, endpointUrl } from '../../../helpers/factories.ts';
import { inboundSmsFields, signedTwilioRequest } from '../../../helpers/twilio.ts';

const now = new Date('2026-11-23T12:00:00Z');

/** A request as the ack path hands it to the provider: signed by Twilio for `signedFor`, received at `receivedAt`. */
const requestSignedWith = (token: string, { signedFor = endpointUrl, receivedAt = endpointUrl } = {}): WebhookRequest => {
  const signed = signedTwilioRequest(signedFor, token, inboundSmsFields({ Body: 'Is my order ready?' }));
  return { url: receivedAt, headers: signed.headers, body: Buffer.from(signed.body) };
};

describe('twilio.verify', () => {
  it('accepts a request signed with the endpoint secret', () => {
    // Prepare
    const request = requestSignedWith('token-a');

    // Act
    const { ok: valid } = twilio.verify(request, anEndpoint({ secrets: ['token-a'] }), now);

    // Assess
    expect(valid).toBe(true);
  });

  it('refuses a request without the signature header', () => {
    const signed = requestSignedWith('token-a');
    const { 'x-twilio-signature': _, ...headers } = signed.headers;
    const request = { ...signed, headers };

    expect(twilio.verify(request, anEndpoint({ secrets: ['token-a'] }), now).ok).toBe(false);
  });

  it('refuses a request whose body was changed after signing', () => {
    const request = requestSignedWith('token-a');
    const form = new URLSearchParams(request.body.toString());
    form.set('Body', 'Refund me');

    const { ok: valid } = twilio.verify({ ...request, body: Buffer.from(form.toString()) }, anEndpoint({ secrets: ['token-a'] }), now);

    expect(valid).toBe(false);
  });

  it('refuses a request signed for another URL', () => {
    const request = requestSignedWith('token-a', { signedFor: 'https://hooks.example.com/webhooks/twilio/ep_other' });

    expect(twilio.verify(request, anEndpoint({ secrets: ['token-a'] }), now).ok).toBe(false);
  });

  it('refuses a request signed with another secret', () => {
    const request = requestSignedWith('token-of-someone-else');

    expect(twilio.verify(request, anEndpoint({ secrets: ['token-a'] }), now).ok).toBe(false);
  });

  it('refuses everything when the endpoint has no secret', () => {
    expect(twilio.verify(requestSignedWith('token-a'), anEndpoint({ secrets: [] }), now).ok).toBe(false);
  });

  it('accepts a request signed with the older of two secrets during a rotation', () => {
    const request = requestSignedWith('token-old');

    expect(twilio.verify(request, anEndpoint({ secrets: ['token-new', 'token-old'] }), now).ok).toBe(true);
  });

  it('accepts a request Twilio signed with :443 when the configured URL has no port', () => {
    const withPort = endpointUrl.replace('https://hooks.example.com/', 'https://hooks.example.com:443/');
    const request = requestSignedWith('token-a', { signedFor: withPort, receivedAt: endpointUrl });

    expect(twilio.verify(request, anEndpoint({ secrets: ['token-a'] }), now).ok).toBe(true);
  });
});

describe('twilio.acknowledge', () => {
  it('is an empty TwiML response', () => {
    const { statusCode, headers, body } = twilio.acknowledge(requestSignedWith('token-a'));

    expect(statusCode).toBe(200);
    expect(headers['content-type']).toBe('text/xml');
    expect(body).toMatch(/<Response>\s*<\/Response>/);
  });
});
