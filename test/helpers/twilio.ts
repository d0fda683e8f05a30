import { createHash, randomBytes } from 'node:crypto';
import { twilioSignature } from '../../functions/providers/twilio/signature.ts';
import type { SampleRequest, WebhookRequest } from '../../functions/providers/types.ts';

/** Twilio requests for tests: the same builders `switchboard send` uses, and the other webhooks Twilio sends. */
export { inboundSmsFields, signedTwilioRequest, twilioSid } from '../../functions/providers/twilio/sample.ts';

export const accountSid = 'AC0123456789abcdef0123456789abcdef';

/** An inbound WhatsApp message as Twilio posts it (field order of a real capture), with overrides. */
export const whatsappInboundFields = (overrides: Record<string, string> = {}): Record<string, string> => {
  const messageSid = overrides.MessageSid ?? 'SM0a1b2c3d4e5f60718293a4b5c6d7e8f9';
  return {
    SmsMessageSid: messageSid,
    NumMedia: '0',
    ProfileName: 'Ana Souza',
    MessageType: 'text',
    SmsSid: messageSid,
    WaId: '5511987654321',
    SmsStatus: 'received',
    Body: 'Olá! Do you ship to Brazil?',
    To: 'whatsapp:+14155238886',
    NumSegments: '1',
    ReferralNumMedia: '0',
    MessageSid: messageSid,
    AccountSid: accountSid,
    From: 'whatsapp:+5511987654321',
    ApiVersion: '2010-04-01',
    ...overrides,
  };
};

/** A status callback for a message the business sent, as Twilio posts it, with overrides. */
export const statusCallbackFields = (overrides: Record<string, string> = {}): Record<string, string> => {
  const messageSid = overrides.MessageSid ?? 'SM5f0b7c9a1e2d3c4b5a69788796a5b4c3';
  const status = overrides.MessageStatus ?? 'delivered';
  return {
    SmsSid: messageSid,
    SmsStatus: status,
    MessageStatus: status,
    To: '+14155550100',
    MessageSid: messageSid,
    AccountSid: accountSid,
    From: '+15005550006',
    ApiVersion: '2010-04-01',
    ...overrides,
  };
};

/** `url` with the bodySHA256 Twilio adds for a JSON body. */
export const urlWithBodyHash = (url: string, body: string): string =>
  `${url}${url.includes('?') ? '&' : '?'}bodySHA256=${createHash('sha256').update(body).digest('hex')}`;

/** A JSON webhook as Twilio signs it: the URL with the body's hash, and no parameters. */
export const signedTwilioJsonRequest = (url: string, authToken: string, body: string): SampleRequest & { readonly url: string } => {
  const signedUrl = urlWithBodyHash(url, body);
  return {
    url: signedUrl,
    body,
    headers: {
      'content-type': 'application/json',
      'x-twilio-signature': twilioSignature(authToken, signedUrl),
      'i-twilio-idempotency-token': randomBytes(16).toString('hex'),
    },
  };
};

/** The request the ack path hands a provider for a signed sample received at `url`. */
export const asWebhookRequest = (url: string, { body, headers }: SampleRequest): WebhookRequest => ({ url, headers, body: Buffer.from(body) });

/** A form body of these fields, unsigned: for normalize, which trusts what verify passed. */
export const formRequest = (url: string, fields: Record<string, string> | [string, string][]): WebhookRequest => ({
  url,
  headers: { 'content-type': 'application/x-www-form-urlencoded' },
  body: Buffer.from(new URLSearchParams(fields).toString()),
});
