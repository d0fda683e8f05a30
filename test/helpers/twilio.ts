import { randomBytes } from 'node:crypto';
import { twilioSignature } from '../../functions/providers/twilio/signature.ts';

/** A Twilio id of the given prefix: two letters and 32 hex digits. */
export const twilioSid = (prefix: 'SM' | 'MM' | 'AC'): string => `${prefix}${randomBytes(16).toString('hex')}`;

export const accountSid = 'AC0123456789abcdef0123456789abcdef';

/**
 * The form fields of a Twilio inbound SMS as Twilio posts them (order as in a real capture,
 * not alphabetical), with overrides.
 */
export const inboundSmsFields = (overrides: Record<string, string> = {}): Record<string, string> => ({
  ToCountry: 'US',
  ToState: 'CA',
  SmsMessageSid: overrides.MessageSid ?? 'SM6fe4c5b1d1a5ee2ef6c7e0b3f6b4b1a0',
  NumMedia: '0',
  ToCity: '',
  FromZip: '94105',
  SmsSid: overrides.MessageSid ?? 'SM6fe4c5b1d1a5ee2ef6c7e0b3f6b4b1a0',
  FromState: 'CA',
  SmsStatus: 'received',
  FromCity: 'SAN FRANCISCO',
  Body: 'Hello from the other side',
  FromCountry: 'US',
  To: '+15005550006',
  MessagingServiceSid: 'MG0123456789abcdef0123456789abcdef',
  ToZip: '',
  NumSegments: '1',
  MessageSid: 'SM6fe4c5b1d1a5ee2ef6c7e0b3f6b4b1a0',
  AccountSid: accountSid,
  From: '+14155550100',
  ApiVersion: '2010-04-01',
  ...overrides,
});

export interface SignedTwilioRequest {
  readonly body: string;
  readonly headers: Record<string, string>;
}

/** A form-encoded body and the headers Twilio sends with it, signed for `url`. */
export const signedTwilioRequest = (url: string, authToken: string, fields: Record<string, string>): SignedTwilioRequest => {
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
