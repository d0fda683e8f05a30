import type { SendOutcome } from '../../core/outbound.ts';
import { retryAfterSecondsOf } from '../senders.ts';

/**
 * What the two SMS gateways' answers share: the URL is the operator's (an endpoint's
 * credentials name it), so a redirect is never followed and only http(s) is spoken; and a
 * refusal is classified by its HTTP status alone, since neither gateway has error codes of its
 * own worth a table (SMS Gateway for Android answers `{ message }`, a generic gateway anything).
 */

/** How a gateway is named in outcomes, and what a person does about refused credentials. */
export interface GatewayWords {
  readonly name: string;
  readonly credentialsHint: string;
}

/** Why a URL is not one to send to, or undefined. */
export const unsendableUrl = (url: string): string | undefined => {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return `${url} is not a URL`;
  }
  return parsed.protocol === 'http:' || parsed.protocol === 'https:' ? undefined : `${parsed.protocol} is not http(s)`;
};

export const refusedUrl = (gateway: GatewayWords, why: string): SendOutcome => ({
  kind: 'failed',
  category: 'permanent',
  code: 'switchboard.gateway_url',
  message: why,
  hint: `Set the ${gateway.name}'s URL to an http(s) URL with switchboard endpoint credentials.`,
});

/** The JSON of an answer, or undefined when it has none. */
export const readJson = async (response: Response): Promise<unknown> => {
  try {
    return await response.json();
  } catch {
    return undefined;
  }
};

/** The gateway's own words for a refusal: `message`, or `error` as a string or `{ message }`. */
export const refusalMessageOf = (body: unknown): string | undefined => {
  if (typeof body !== 'object' || body === null) return undefined;
  const { message, error } = body as { message?: unknown; error?: unknown };
  if (typeof message === 'string' && message !== '') return message;
  if (typeof error === 'string' && error !== '') return error;
  const nested = typeof error === 'object' && error !== null ? (error as { message?: unknown }).message : undefined;
  return typeof nested === 'string' && nested !== '' ? nested : undefined;
};

/**
 * A 3xx: the request went to a URL that is not the gateway's. Following it would post the
 * message (and its credentials) wherever the answer points, so it is refused, naming where.
 */
const redirected = (gateway: GatewayWords, response: Response): SendOutcome => {
  const location = response.headers.get('location');
  return {
    kind: 'failed',
    category: 'permanent',
    code: String(response.status),
    message: `the ${gateway.name} answered with a redirect${location ? ` to ${location}` : ''}, which Switchboard does not follow`,
    hint: `Set the ${gateway.name}'s final URL (the one it redirects to, if you trust it) with switchboard endpoint credentials.`,
  };
};

/**
 * Classifies an answer that is not a 2xx: 3xx refused (never followed), 401/403 the
 * credentials, 429 throttled, a 503 naming when to come back declined (not taken), any other
 * 5xx unknown (it may have been taken), any other 4xx permanent (sent again, refused again).
 */
export const classifyGatewayRefusal = async (gateway: GatewayWords, response: Response): Promise<SendOutcome> => {
  if (response.status >= 300 && response.status < 400) return redirected(gateway, response);
  const retryAfterSeconds = retryAfterSecondsOf(response.headers.get('retry-after'));
  const providerError = { code: String(response.status), message: refusalMessageOf(await readJson(response)) ?? `HTTP ${response.status}` };
  if (response.status === 401 || response.status === 403) return { kind: 'failed', category: 'credentials', hint: gateway.credentialsHint, ...providerError };
  if (response.status === 429) return { kind: 'throttled', ...providerError, ...(retryAfterSeconds !== undefined && { retryAfterSeconds }) };
  if (response.status === 503 && retryAfterSeconds !== undefined) return { kind: 'temporary', retryAfterSeconds, ...providerError };
  if (response.status >= 500) return { kind: 'unknown', ...providerError };
  return { kind: 'failed', category: 'permanent', hint: `The ${gateway.name} refused the message: ${providerError.message}`, ...providerError };
};
