import type { AckResponse, ProviderEdge } from '../types.ts';
import { twilioConsoleUrl } from './console-url.ts';
import { verifyTwilio } from './verify.ts';

/**
 * Twilio reads the answer to an inbound message as TwiML, and an empty body logs error 11200.
 * A status callback needs only a 2xx and ignores the body, so every request gets this
 * answer and the ack never parses the body to tell them apart.
 */
const emptyTwiml: AckResponse = {
  statusCode: 200,
  headers: { 'content-type': 'text/xml' },
  body: '<?xml version="1.0" encoding="UTF-8"?><Response></Response>',
};

/**
 * Twilio Programmable Messaging. The endpoint's secrets are the Auth Tokens of the account
 * that owns the number (a subaccount's own token for a subaccount).
 */
export const twilioEdge: ProviderEdge = {
  name: 'twilio',
  keptHeaders: ['content-type', 'x-twilio-signature', 'i-twilio-idempotency-token'],
  verify: verifyTwilio,
  acknowledge: () => emptyTwiml,
  consoleUrl: twilioConsoleUrl,
};
