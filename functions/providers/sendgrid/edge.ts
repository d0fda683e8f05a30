import type { AckResponse, ProviderEdge } from '../types.ts';
import { sendgridSecretRefusal, signatureHeader, timestampHeader } from './credentials.ts';
import { verifySendgrid } from './verify.ts';

const ok: AckResponse = { statusCode: 200, headers: { 'content-type': 'text/plain; charset=utf-8' }, body: '' };

/**
 * SendGrid: Inbound Parse (inbound mail, authenticated by basic auth) and the Event Webhook
 * (delivery receipts, signed with ECDSA) on one endpoint. Its secrets are "user:password"
 * credentials and base64 verification keys, in any mix: see credentials.ts.
 */
export const sendgridEdge: ProviderEdge = {
  name: 'sendgrid',
  // A Message-Id is whatever the sending client wrote: one mail to two tenants' inboxes carries
  // the same one, and a forged one must not shadow another tenant's message.
  idsUniqueWithin: 'endpoint',
  // Never the Authorization header: the basic-auth password must not be queued or archived.
  keptHeaders: ['content-type', signatureHeader, timestampHeader],

  verify: verifySendgrid,

  acknowledge: () => ok,

  secretRefusal: sendgridSecretRefusal,

  // Inbound Parse authenticates only with credentials in the URL; the Event Webhook takes the URL as it is.
  consoleUrl(webhookUrl) {
    const url = new URL(webhookUrl);
    url.username = 'USER';
    url.password = 'PASSWORD';
    return url.toString();
  },
};
