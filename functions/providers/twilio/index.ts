import type { AckResponse, Provider } from '../types.ts';
import { twilioConsoleUrl } from './console-url.ts';
import { normalizeTwilio } from './normalize.ts';
import { twilioSample } from './sample.ts';
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
 * Twilio Programmable Messaging: SMS, MMS and WhatsApp messages and their status callbacks.
 * The endpoint's secrets are the Auth Tokens of the account that owns the number (a
 * subaccount's own token for a subaccount).
 */
export const twilio: Provider = {
  name: 'twilio',
  keptHeaders: ['content-type', 'x-twilio-signature', 'i-twilio-idempotency-token'],
  verify: verifyTwilio,
  acknowledge: () => emptyTwiml,
  normalize: normalizeTwilio,
  sample: twilioSample,
  consoleUrl: twilioConsoleUrl,
};
