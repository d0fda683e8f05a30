import { randomBytes } from 'node:crypto';
import type { RecordedRequest, ResignOptions, SampleOptions, SampleRequest } from '../types.ts';
import { signedHeadersOf, standardWebhookHeaders } from './signature.ts';

/** A webhook id as Svix makes them: unique per message, the same on its retries. */
export const newWebhookId = (): string => `msg_${randomBytes(16).toString('base64url')}`;

/** A `message.received` as a Standard Webhooks sender posts it, signed with `secret` at `now`. */
export const standardSample = ({ secret, text, from = '+14155550100', to = '+15005550006', now = new Date() }: SampleOptions): SampleRequest => {
  const timestamp = now.toISOString();
  const body = JSON.stringify({
    type: 'message.received',
    timestamp,
    data: { id: `sms_${randomBytes(12).toString('hex')}`, channel: 'sms', from, to, text, timestamp },
  });
  return {
    body,
    headers: { 'content-type': 'application/json', ...standardWebhookHeaders(secret, newWebhookId(), now, body) },
  };
};

/**
 * Standard Webhooks headers for a recorded body, signed with `secret` at `now`: under the
 * recorded request's header family (`webhook-` or Svix's `svix-`) and webhook id, or new ones.
 */
export const resignedStandardHeaders = (recorded: RecordedRequest, secret: string, now: Date): Record<string, string> => {
  const signed = signedHeadersOf(recorded.headers);
  const prefix = signed?.prefix ?? 'webhook';
  const headers = standardWebhookHeaders(secret, signed?.id ?? newWebhookId(), now, recorded.body);
  return Object.fromEntries(Object.entries(headers).map(([name, value]) => [name.replace(/^webhook-/, `${prefix}-`), value]));
};

/**
 * A recorded Standard Webhooks request signed with another secret at `now`. The webhook id is
 * kept, as a sender keeps it on a retry: posted twice, the event is stored once.
 */
export const resignStandard = (recorded: RecordedRequest, { url, secret, now }: ResignOptions): RecordedRequest => ({
  ...recorded,
  url,
  headers: { ...recorded.headers, ...resignedStandardHeaders(recorded, secret, now) },
});
