import type { Provider } from '../types.ts';
import { twilioEdge } from './edge.ts';
import { normalizeTwilio } from './normalize.ts';
import { twilioSample } from './sample.ts';

/** Twilio Programmable Messaging: SMS, MMS and WhatsApp messages and their status callbacks. */
export const twilio: Provider = { ...twilioEdge, normalize: normalizeTwilio, sample: twilioSample };
