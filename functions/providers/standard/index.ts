import { PermanentError } from '../../core/errors.ts';
import type { AckResponse, Provider } from '../types.ts';
import { normalizeStandardPayload } from './payload.ts';
import { standardSample } from './sample.ts';
import { signedHeadersOf, verifyStandardWebhook } from './signature.ts';

const noContent: AckResponse = { statusCode: 204, headers: {}, body: '' };

/**
 * Any sender that follows Standard Webhooks (standardwebhooks.com), Svix included, posting
 * the message shape documented in payload.ts. The endpoint's secrets are its `whsec_…`
 * signing secrets.
 */
export const standard: Provider = {
  name: 'standard',
  idsUniqueWithin: 'endpoint',
  keptHeaders: ['content-type', 'webhook-id', 'webhook-timestamp', 'webhook-signature', 'svix-id', 'svix-timestamp', 'svix-signature'],

  verify: (request, endpoint, now) => verifyStandardWebhook(request, endpoint.secrets, now),

  acknowledge: () => noContent,

  normalize(request) {
    const webhookId = signedHeadersOf(request.headers)?.id;
    if (!webhookId) throw new PermanentError('no webhook-id header');
    return normalizeStandardPayload(request.body, webhookId);
  },

  sample: standardSample,
};
