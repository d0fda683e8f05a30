import type { AckResponse, ProviderEdge } from '../types.ts';
import { verifyMailgun } from './verify.ts';

const ok: AckResponse = { statusCode: 200, headers: { 'content-type': 'text/plain; charset=utf-8' }, body: '' };

/**
 * Mailgun: inbound routes (forward() to this URL) and event webhooks on one endpoint. Its
 * secrets are HTTP webhook signing keys (not API keys), two during a rotation.
 */
export const mailgunEdge: ProviderEdge = {
  name: 'mailgun',
  // A Message-Id is whatever the sending client wrote: one mail to two tenants' inboxes carries
  // the same one, and a forged one must not shadow another tenant's message.
  idsUniqueWithin: 'endpoint',
  // Mailgun's answer for "rejected, do not retry"; anything else but 200 is retried for 8 hours.
  replayStatus: 406,
  keptHeaders: ['content-type'],
  verify: verifyMailgun,
  acknowledge: () => ok,
};
