import type { AckResponse, ProviderEdge } from '../types.ts';
import { standardSecretRefusal } from './credentials.ts';
import { verifyStandardWebhook } from './signature.ts';

const noContent: AckResponse = { statusCode: 204, headers: {}, body: '' };

/**
 * Any sender that follows Standard Webhooks (standardwebhooks.com), Svix included. The
 * endpoint's secrets are its `whsec_…` signing secrets.
 */
export const standardEdge: ProviderEdge = {
  name: 'standard',
  idsUniqueWithin: 'endpoint',
  keptHeaders: ['content-type', 'webhook-id', 'webhook-timestamp', 'webhook-signature', 'svix-id', 'svix-timestamp', 'svix-signature'],
  verify: (request, endpoint, now) => verifyStandardWebhook(request, endpoint.secrets, now),
  acknowledge: () => noContent,
  secretRefusal: standardSecretRefusal,
};
