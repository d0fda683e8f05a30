import { randomBytes, randomUUID } from 'node:crypto';
import { secretPrefix, standardWebhookHeaders } from '../standard/signature.ts';
import type { SampleOptions, SampleRequest } from '../types.ts';

/**
 * An incoming SMS as a simple gateway posts it, `{ guid, number, message, time_received, to }`,
 * authenticated the way the endpoint's secret says: signed when it is a `whsec_` secret, else
 * sent as the bearer token.
 */
export const smsSample = ({ secret, text, from = '+14155550100', to, now = new Date() }: SampleOptions): SampleRequest => {
  const body = JSON.stringify({ guid: randomUUID(), number: from, message: text, time_received: now.toISOString(), ...(to && { to }) });
  const credentials = secret.startsWith(secretPrefix)
    ? standardWebhookHeaders(secret, `msg_${randomBytes(16).toString('base64url')}`, now, body)
    : { authorization: `Bearer ${secret}` };
  return { body, headers: { 'content-type': 'application/json', ...credentials } };
};
