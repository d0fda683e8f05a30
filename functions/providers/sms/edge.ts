import type { AckResponse, ProviderEdge } from '../types.ts';
import { smsSecretRefusal, verifySmsGatewayRequest } from './credentials.ts';

const ok: AckResponse = { statusCode: 200, headers: {}, body: '' };

/**
 * A generic SMS gateway: a phone or service that forwards the SMS it receives. How the
 * endpoint's secrets authenticate it is in credentials.ts.
 */
export const smsEdge: ProviderEdge = {
  name: 'sms',
  idsUniqueWithin: 'endpoint',
  keptHeaders: ['content-type', 'x-signature', 'x-timestamp', 'webhook-id', 'webhook-timestamp', 'webhook-signature', 'svix-id', 'svix-timestamp', 'svix-signature'],
  verify: verifySmsGatewayRequest,
  acknowledge: () => ok,
  secretRefusal: smsSecretRefusal,
};
