import { randomBytes } from 'node:crypto';
import type { RecordedRequest, ResignOptions, SampleOptions, SampleRequest } from '../types.ts';
import { decodeForm } from './form.ts';
import { bodyHashParam, bodySha256, signedBodyOf } from './signed-body.ts';
import { twilioSignature } from './signature.ts';

/** A Twilio id of the given prefix: two letters and 32 hex digits. */
export const twilioSid = (prefix: 'SM' | 'MM' | 'AC' | 'MG'): string => `${prefix}${randomBytes(16).toString('hex')}`;

/**
 * The form fields of an inbound SMS as Twilio posts them (in a real capture's order, which is
 * not alphabetical), with overrides.
 */
export const inboundSmsFields = (overrides: Record<string, string> = {}): Record<string, string> => {
  const messageSid = overrides.MessageSid ?? twilioSid('SM');
  return {
    ToCountry: 'US',
    ToState: 'CA',
    SmsMessageSid: messageSid,
    NumMedia: '0',
    ToCity: '',
    FromZip: '94105',
    SmsSid: messageSid,
    FromState: 'CA',
    SmsStatus: 'received',
    FromCity: 'SAN FRANCISCO',
    Body: 'Hello from the other side',
    FromCountry: 'US',
    To: '+15005550006',
    MessagingServiceSid: 'MG0123456789abcdef0123456789abcdef',
    ToZip: '',
    NumSegments: '1',
    MessageSid: messageSid,
    AccountSid: 'AC0123456789abcdef0123456789abcdef',
    From: '+14155550100',
    ApiVersion: '2010-04-01',
    ...overrides,
  };
};

/** A form-encoded body and the headers Twilio sends with it, signed for `url`. */
export const signedTwilioRequest = (url: string, authToken: string, fields: Record<string, string>): SampleRequest => {
  const params = new URLSearchParams(fields);
  return {
    body: params.toString(),
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'x-twilio-signature': twilioSignature(authToken, url, params),
      'i-twilio-idempotency-token': randomBytes(16).toString('hex'),
      'user-agent': 'TwilioProxy/1.1',
    },
  };
};

export const twilioSample = ({ url, secret, text, from, to }: SampleOptions): SampleRequest =>
  signedTwilioRequest(url, secret, inboundSmsFields({ Body: text, ...(from && { From: from }), ...(to && { To: to }) }));

/**
 * A recorded Twilio request signed for another URL and Auth Token. Twilio signs no time and
 * sends no one-time token, so nothing else changes: posted twice, it is the same message
 * twice, stored once (its MessageSid is the dedupe key).
 */
export const resignTwilio = (recorded: RecordedRequest, { url, secret }: ResignOptions): RecordedRequest => {
  if (signedBodyOf(recorded.url).kind === 'json') {
    // A JSON body is signed through the URL: its hash joins the query, and that URL is signed alone.
    const signedUrl = new URL(url);
    signedUrl.searchParams.set(bodyHashParam, bodySha256(Buffer.from(recorded.body)));
    return { ...recorded, url: signedUrl.href, headers: { ...recorded.headers, 'x-twilio-signature': twilioSignature(secret, signedUrl.href) } };
  }
  const fields = decodeForm(recorded.body);
  if (!fields) throw new Error('its body is not a form Twilio could have signed');
  return { ...recorded, url, headers: { ...recorded.headers, 'x-twilio-signature': twilioSignature(secret, url, fields) } };
};
