import { randomUUID } from 'node:crypto';
import { withoutHeaders } from '../recorded-headers.ts';
import { newWebhookId, resignedStandardHeaders } from '../standard/sample.ts';
import { secretPrefix, standardWebhookHeaders } from '../standard/signature.ts';
import type { RecordedRequest, ResignOptions, SampleOptions, SampleRequest } from '../types.ts';
import { androidGatewaySignature } from './android-signature.ts';

/**
 * An incoming SMS as a simple gateway posts it, `{ guid, number, message, time_received, to }`,
 * authenticated the way the endpoint's secret says: signed when it is a `whsec_` secret, else
 * sent as the bearer token.
 */
export const smsSample = ({ secret, text, from = '+14155550100', to, now = new Date() }: SampleOptions): SampleRequest => {
  const body = JSON.stringify({ guid: randomUUID(), number: from, message: text, time_received: now.toISOString(), ...(to && { to }) });
  const credentials = secret.startsWith(secretPrefix)
    ? standardWebhookHeaders(secret, newWebhookId(), now, body)
    : { authorization: `Bearer ${secret}` };
  return { body, headers: { 'content-type': 'application/json', ...credentials } };
};

/** Every header a gateway authenticates with, in any of the ways credentials.ts reads. */
const credentialHeaders = ['authorization', 'x-signature', 'x-timestamp', 'webhook-id', 'webhook-timestamp', 'webhook-signature', 'svix-id', 'svix-timestamp', 'svix-signature'];

/** SMS Gateway for Android's headers for a body, signed with `signingKey` at `now`. */
const androidGatewayHeaders = (signingKey: string, body: string, now: Date): Record<string, string> => {
  const timestamp = String(Math.floor(now.getTime() / 1000));
  return { 'x-timestamp': timestamp, 'x-signature': androidGatewaySignature(signingKey, Buffer.from(body), timestamp) };
};

/**
 * A recorded gateway request authenticated with another secret at `now`, the way the secret
 * says (credentials.ts): a `whsec_` secret signs it with Standard Webhooks; any other signs it
 * as SMS Gateway for Android does when it was recorded so, else goes as its bearer token.
 * Posted twice, the SMS is stored once (by its guid or id).
 */
export const resignSms = (recorded: RecordedRequest, { url, secret, now }: ResignOptions): RecordedRequest => {
  const credentials = secret.startsWith(secretPrefix)
    ? resignedStandardHeaders(recorded, secret, now)
    : recorded.headers['x-signature'] === undefined
      ? { authorization: `Bearer ${secret}` }
      : androidGatewayHeaders(secret, recorded.body, now);
  return { ...recorded, url, headers: { ...withoutHeaders(recorded.headers, credentialHeaders), ...credentials } };
};
