import { PermanentError } from '../../core/errors.ts';
import { parseParameterizedHeader } from '../email/parameters.ts';
import type { Provider } from '../types.ts';
import { sendgridEdge } from './edge.ts';
import { normalizeEventBatch } from './events.ts';
import { normalizeInboundParse } from './inbound-parse.ts';
import { resignSendgrid, sendgridSample } from './sample.ts';

/** SendGrid's two webhooks, told apart by their media type. */
export const sendgrid: Provider = {
  ...sendgridEdge,

  normalize(request) {
    const contentType = request.headers['content-type'];
    const mediaType = parseParameterizedHeader(contentType ?? '').value;
    if (mediaType === 'application/json') return normalizeEventBatch(request.body);
    if (mediaType === 'multipart/form-data') return normalizeInboundParse(request.body, contentType);
    throw new PermanentError(`Content-Type ${contentType ?? '(none)'} is neither an Inbound Parse form nor an Event Webhook batch`);
  },

  sample: sendgridSample,
  resign: resignSendgrid,

  // The sample is an Inbound Parse POST, authenticated by basic auth; signed Event Webhook batches have their own tests.
  contract: {
    signsBody: false,
    signsTime: false,
    authenticationIn: 'headers',
    credentials: { secret: 'parse-user:parse-password', otherSecret: 'someone:else' },
  },
};
