import { PermanentError } from '../../core/errors.ts';
import { parseParameterizedHeader } from '../email/parameters.ts';
import type { AckResponse, Provider } from '../types.ts';
import { signatureHeader, timestampHeader } from './credentials.ts';
import { normalizeEventBatch } from './events.ts';
import { normalizeInboundParse } from './inbound-parse.ts';
import { sendgridSample } from './sample.ts';
import { verifySendgrid } from './verify.ts';

const ok: AckResponse = { statusCode: 200, headers: { 'content-type': 'text/plain; charset=utf-8' }, body: '' };

/**
 * SendGrid: Inbound Parse (inbound mail, authenticated by basic auth) and the Event Webhook
 * (delivery receipts, signed with ECDSA) on one endpoint. Its secrets are "user:password"
 * credentials and base64 verification keys, in any mix: see credentials.ts.
 */
export const sendgrid: Provider = {
  name: 'sendgrid',
  // A Message-Id is whatever the sending client wrote: one mail to two tenants' inboxes carries
  // the same one, and a forged one must not shadow another tenant's message.
  idsUniqueWithin: 'endpoint',
  // Never the Authorization header: the basic-auth password must not be queued or archived.
  keptHeaders: ['content-type', signatureHeader, timestampHeader],

  verify: verifySendgrid,

  acknowledge: () => ok,

  normalize(request) {
    const contentType = request.headers['content-type'];
    const mediaType = parseParameterizedHeader(contentType ?? '').value;
    if (mediaType === 'application/json') return normalizeEventBatch(request.body);
    if (mediaType === 'multipart/form-data') return normalizeInboundParse(request.body, contentType);
    throw new PermanentError(`Content-Type ${contentType ?? '(none)'} is neither an Inbound Parse form nor an Event Webhook batch`);
  },

  sample: sendgridSample,

  // Inbound Parse authenticates only with credentials in the URL; the Event Webhook takes the URL as it is.
  consoleUrl(webhookUrl) {
    const url = new URL(webhookUrl);
    url.username = 'USER';
    url.password = 'PASSWORD';
    return url.toString();
  },
};
