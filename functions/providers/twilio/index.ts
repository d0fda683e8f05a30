import type { Endpoint } from '../../core/endpoint.ts';
import { signaturesMatch } from '../signatures.ts';
import { accepted, refused, type AckResponse, type Provider, type Verdict, type WebhookRequest } from '../types.ts';
import { normalizeTwilioForm } from './normalize.ts';
import { twilioSample } from './sample.ts';
import { signedUrlVariants, twilioSignature } from './signature.ts';

const formOf = (request: WebhookRequest): URLSearchParams => new URLSearchParams(request.body.toString('utf8'));

// Twilio reads the answer to an inbound message as TwiML; an empty body logs error 11200.
const emptyTwiml: AckResponse = {
  statusCode: 200,
  headers: { 'content-type': 'text/xml' },
  body: '<?xml version="1.0" encoding="UTF-8"?><Response></Response>',
};

/**
 * Twilio Programmable Messaging. The endpoint's secrets are the Auth Tokens of the account
 * that owns the number (a subaccount's own token for a subaccount).
 */
export const twilio: Provider = {
  name: 'twilio',
  keptHeaders: ['content-type', 'x-twilio-signature', 'i-twilio-idempotency-token'],

  verify(request: WebhookRequest, endpoint: Endpoint): Verdict {
    const received = request.headers['x-twilio-signature'];
    if (!received) return refused('missing X-Twilio-Signature');
    const params = formOf(request);
    const urls = signedUrlVariants(request.url);
    // Stopping at the first match reveals only which secret or URL form matched, neither of
    // which is secret; each comparison itself is constant-time.
    const matches = endpoint.secrets.some((secret) => urls.some((url) => signaturesMatch(received, twilioSignature(secret, url, params))));
    return matches ? accepted : refused('invalid X-Twilio-Signature');
  },

  acknowledge: () => emptyTwiml,

  normalize: (request) => normalizeTwilioForm(formOf(request)),

  sample: twilioSample,
};
