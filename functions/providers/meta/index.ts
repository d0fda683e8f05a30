import type { Provider } from '../types.ts';
import { metaEdge } from './edge.ts';
import { normalizeMetaBody } from './normalize.ts';
import { metaSample, resignMeta } from './sample.ts';

/** Meta's webhooks, told apart by the payload's `object`: whatsapp_business_account, page, instagram. */
export const meta: Provider = {
  ...metaEdge,
  normalize: (request) => normalizeMetaBody(request.body),
  sample: metaSample,
  resign: resignMeta,
  contract: {
    signsBody: true,
    signsTime: false,
    authenticationIn: 'headers',
    credentials: { secret: 'meta-app-secret', otherSecret: 'another-apps-secret' },
  },
};
