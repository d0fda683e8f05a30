import type { Provider } from '../types.ts';
import { twilioEdge } from './edge.ts';
import { normalizeTwilio } from './normalize.ts';
import { resignTwilio, twilioSample } from './sample.ts';

/** Twilio Programmable Messaging: SMS, MMS and WhatsApp messages and their status callbacks. */
export const twilio: Provider = {
  ...twilioEdge,
  normalize: normalizeTwilio,
  sample: twilioSample,
  resign: resignTwilio,
  // No timestamp is signed: a replay verifies forever, and dedupe on the MessageSid stores it once.
  contract: {
    signsBody: true,
    signsTime: false,
    authenticationIn: 'headers',
    credentials: { secret: 'twilio-auth-token', otherSecret: 'someone-elses-token' },
  },
};
