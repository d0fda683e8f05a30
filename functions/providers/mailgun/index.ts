import { parseParameterizedHeader } from '../email/parameters.ts';
import type { Provider } from '../types.ts';
import { mailgunEdge } from './edge.ts';
import { normalizeEventWebhook } from './events.ts';
import { normalizeInboundRoute } from './inbound.ts';
import { mailgunSample, resignMailgun } from './sample.ts';

/** Mailgun's event webhooks (JSON) and inbound routes (forms). */
export const mailgun: Provider = {
  ...mailgunEdge,

  normalize(request) {
    const contentType = request.headers['content-type'];
    return parseParameterizedHeader(contentType ?? '').value === 'application/json'
      ? normalizeEventWebhook(request.body)
      : normalizeInboundRoute(request.body, contentType);
  },

  sample: mailgunSample,
  resign: resignMailgun,

  // Mailgun signs a timestamp and a one-time token, in the body's fields, never the body itself.
  contract: {
    signsBody: false,
    signsTime: true,
    authenticationIn: 'body',
    refusesReplayWith: 406,
    credentials: { secret: 'key-mailgun-signing-key', otherSecret: 'key-another-signing-key' },
  },
};
