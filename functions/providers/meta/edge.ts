import type { Endpoint } from '../../core/endpoint.ts';
import { signaturesMatch } from '../signatures.ts';
import { accepted, refused, type AckResponse, type ProviderEdge, type Verdict, type WebhookRequest } from '../types.ts';
import { answerSubscriptionHandshake } from './handshake.ts';
import { metaSignature, receivedSignature } from './signature.ts';

// Meta ignores the body; what matters is a fast 200, since failing deliveries get the whole app
// unsubscribed (Messenger: after an hour).
const eventReceived: AckResponse = { statusCode: 200, headers: { 'content-type': 'text/plain' }, body: 'EVENT_RECEIVED' };

/**
 * Meta's webhooks: WhatsApp Cloud API, Messenger and Instagram. The endpoint's secrets are app
 * secrets: the Meta app's, and for Instagram API with Instagram Login the Instagram app
 * secret, which differs. Any of them may match.
 */
export const metaEdge: ProviderEdge = {
  name: 'meta',
  keptHeaders: ['content-type', 'x-hub-signature-256'],

  verify(request: WebhookRequest, endpoint: Endpoint): Verdict {
    const header = request.headers['x-hub-signature-256'];
    if (!header) return refused('missing X-Hub-Signature-256');
    const received = receivedSignature(header);
    if (!received) return refused('malformed X-Hub-Signature-256');
    // An empty secret is a key anyone can sign with; it never authenticates.
    const matches = endpoint.secrets.some((secret) => secret.length > 0 && signaturesMatch(received, metaSignature(secret, request.body)));
    return matches ? accepted : refused('invalid X-Hub-Signature-256');
  },

  acknowledge: () => eventReceived,

  handshake: answerSubscriptionHandshake,
};
