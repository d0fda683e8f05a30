import { randomBytes } from 'node:crypto';
import type { SampleOptions, SampleRequest } from '../types.ts';
import { standardWebhookHeaders } from './signature.ts';

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
    headers: { 'content-type': 'application/json', ...standardWebhookHeaders(secret, `msg_${randomBytes(16).toString('base64url')}`, now, body) },
  };
};
