import type { Endpoint } from '../../core/endpoint.ts';
import { signaturesMatch } from '../signatures.ts';
import { accepted, refused, type Verdict, type WebhookRequest } from '../types.ts';
import { basicCredentialIn, eventSignatureValid, isBasicCredential, signatureHeader, timestampHeader, verificationKeyOf } from './credentials.ts';

/**
 * Accepts a request that carries a credential the endpoint holds: Inbound Parse's basic auth
 * (from the `user:password@` in the URL configured at SendGrid) or the Event Webhook's signature
 * (SendGrid also signs Inbound Parse under a security policy, with the same headers). Either
 * authenticates the request on its own, so a signed Parse POST whose key the endpoint lacks
 * is still accepted on its basic auth rather than refused: SendGrid drops mail refused with 4xx.
 */
export const verifySendgrid = (request: WebhookRequest, endpoint: Endpoint): Verdict => {
  const credential = basicCredentialIn(request.headers.authorization);
  const signature = request.headers[signatureHeader];
  const timestamp = request.headers[timestampHeader];
  if (credential === undefined && signature === undefined) {
    return refused('missing Basic Authorization (Inbound Parse) or X-Twilio-Email-Event-Webhook-Signature (Event Webhook)');
  }
  // Stopping at the first match reveals only which secret matched; each comparison is constant-time.
  if (credential !== undefined && endpoint.secrets.some((secret) => isBasicCredential(secret) && signaturesMatch(credential, secret))) {
    return accepted;
  }
  if (signature === undefined) return refused('invalid Basic Authorization credential');
  if (timestamp === undefined) return refused('missing X-Twilio-Email-Event-Webhook-Timestamp');
  const keys = endpoint.secrets.flatMap((secret) => (isBasicCredential(secret) ? [] : (verificationKeyOf(secret) ?? [])));
  return keys.some((key) => eventSignatureValid(key, timestamp, request.body, signature))
    ? accepted
    : refused('invalid X-Twilio-Email-Event-Webhook-Signature');
};
