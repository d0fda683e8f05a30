import { PermanentError } from '../../core/errors.ts';
import type { AckResponse, Provider, WebhookRequest } from '../types.ts';
import { normalizeAndroidGatewayEvent } from './android-gateway.ts';
import { verifySmsGatewayRequest } from './credentials.ts';
import { smsSample } from './sample.ts';
import { normalizeSimpleSms } from './simple-gateway.ts';

const ok: AckResponse = { statusCode: 200, headers: {}, body: '' };

const fieldsOf = (request: WebhookRequest): Record<string, unknown> => {
  const text = request.body.toString('utf8');
  if (request.headers['content-type']?.toLowerCase().includes('application/x-www-form-urlencoded')) {
    return Object.fromEntries(new URLSearchParams(text));
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new PermanentError('the body is neither a form nor JSON');
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new PermanentError('the body is not a JSON object');
  return json as Record<string, unknown>;
};

/**
 * A generic SMS gateway: a phone or service that forwards the SMS it receives, either in the
 * simple shape of simple-gateway.ts or as SMS Gateway for Android's events. How the endpoint's
 * secrets authenticate it is in credentials.ts.
 */
export const sms: Provider = {
  name: 'sms',
  idsUniqueWithin: 'endpoint',
  keptHeaders: ['content-type', 'x-signature', 'x-timestamp', 'webhook-id', 'webhook-timestamp', 'webhook-signature', 'svix-id', 'svix-timestamp', 'svix-signature'],

  verify: verifySmsGatewayRequest,

  acknowledge: () => ok,

  normalize(request) {
    const fields = fieldsOf(request);
    return 'event' in fields ? normalizeAndroidGatewayEvent(fields) : [normalizeSimpleSms(fields)];
  },

  sample: smsSample,
};
