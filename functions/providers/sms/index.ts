import { PermanentError } from '../../core/errors.ts';
import type { Provider, WebhookRequest } from '../types.ts';
import { normalizeAndroidGatewayEvent } from './android-gateway.ts';
import { smsEdge } from './edge.ts';
import { normalizeGatewayEvent } from './gateway-events.ts';
import { resignSms, smsSample } from './sample.ts';
import { normalizeSimpleSms } from './simple-gateway.ts';

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

/** An SMS gateway's request: the simple shape of simple-gateway.ts, SMS Gateway for Android's events, or a gateway's Standard Webhooks events (gateway-events.ts). */
export const sms: Provider = {
  ...smsEdge,

  normalize(request) {
    const fields = fieldsOf(request);
    if ('event' in fields) return normalizeAndroidGatewayEvent(fields);
    return 'type' in fields && 'data' in fields ? normalizeGatewayEvent(request) : [normalizeSimpleSms(fields)];
  },

  sample: smsSample,
  resign: resignSms,

  // The sample authenticates with a bearer token; signed gateways are covered by the provider's own tests.
  contract: {
    signsBody: false,
    signsTime: false,
    authenticationIn: 'headers',
    credentials: { secret: 'gateway-bearer-token', otherSecret: 'another-gateway-token' },
  },
};
