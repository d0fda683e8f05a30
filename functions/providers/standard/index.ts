import { PermanentError } from '../../core/errors.ts';
import type { Provider } from '../types.ts';
import { standardEdge } from './edge.ts';
import { normalizeStandardPayload } from './payload.ts';
import { resignStandard, standardSample } from './sample.ts';
import { signedHeadersOf } from './signature.ts';

/** A Standard Webhooks sender posting the message shape documented in payload.ts. */
export const standard: Provider = {
  ...standardEdge,

  normalize(request) {
    const webhookId = signedHeadersOf(request.headers)?.id;
    if (!webhookId) throw new PermanentError('no webhook-id header');
    return normalizeStandardPayload(request.body, webhookId);
  },

  sample: standardSample,
  resign: resignStandard,

  contract: {
    signsBody: true,
    signsTime: true,
    authenticationIn: 'headers',
    credentials: { secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', otherSecret: 'whsec_dGhpcyBpcyBhbm90aGVyIHNlY3JldCBrZXkh' },
  },
};
