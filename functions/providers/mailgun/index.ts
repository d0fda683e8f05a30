import { parseParameterizedHeader } from '../email/parameters.ts';
import type { AckResponse, Provider } from '../types.ts';
import { normalizeEventWebhook } from './events.ts';
import { normalizeInboundRoute } from './inbound.ts';
import { mailgunSample } from './sample.ts';
import { verifyMailgun } from './verify.ts';

const ok: AckResponse = { statusCode: 200, headers: { 'content-type': 'text/plain; charset=utf-8' }, body: '' };

/**
 * Mailgun: inbound routes (forward() to this URL) and event webhooks on one endpoint. Its
 * secrets are HTTP webhook signing keys (not API keys), two during a rotation.
 */
export const mailgun: Provider = {
  name: 'mailgun',
  // A Message-Id is whatever the sending client wrote: one mail to two tenants' inboxes carries
  // the same one, and a forged one must not shadow another tenant's message.
  idsUniqueWithin: 'endpoint',
  keptHeaders: ['content-type'],

  verify: verifyMailgun,

  acknowledge: () => ok,

  normalize(request) {
    const contentType = request.headers['content-type'];
    return parseParameterizedHeader(contentType ?? '').value === 'application/json'
      ? normalizeEventWebhook(request.body)
      : normalizeInboundRoute(request.body, contentType);
  },

  sample: mailgunSample,
};
