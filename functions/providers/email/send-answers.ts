import type { FailureCategory, SendOutcome, SendRate } from '../../core/outbound.ts';
import { retryAfterSecondsOf } from '../senders.ts';

/**
 * What the mail providers' send APIs (SendGrid's Mail Send, Mailgun's Messages) answer alike,
 * classified once: both refuse a request with an HTTP status and a text of their own, and
 * neither has per-code errors like Twilio's or Meta's.
 */

/** The answer's body: JSON when it is JSON (both APIs' errors), else its text (Mailgun's 401 "Forbidden"), else undefined (SendGrid's 202). */
export const readAnswer = async (response: Response): Promise<unknown> => {
  const text = await response.text();
  if (text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
};

// An X-RateLimit-Reset this large is an epoch second (SendGrid's); a smaller one is seconds from now.
const epochSecondsFrom = 1_000_000_000;

/**
 * How long a throttled sender waits: `Retry-After` when the answer names it, else until
 * `X-RateLimit-Reset`, which SendGrid sends as the epoch second its limit resets
 * (https://www.twilio.com/docs/sendgrid/api-reference/how-to-use-the-sendgrid-v3-api/rate-limits).
 */
export const throttleSecondsOf = (headers: Headers, now = Date.now()): number | undefined => {
  const retryAfter = retryAfterSecondsOf(headers.get('retry-after'), now);
  if (retryAfter !== undefined) return retryAfter;
  const reset = headers.get('x-ratelimit-reset')?.trim();
  if (reset === undefined || !/^\d+$/.test(reset)) return undefined;
  const value = Number(reset);
  return value >= epochSecondsFrom ? Math.max(0, Math.ceil(value - now / 1000)) : value;
};

type Failed = Extract<SendOutcome, { kind: 'failed' }>;

const failed = (category: Exclude<FailureCategory, 'throttled' | 'temporary'>, code: string, message: string, hint: string): Failed => ({ kind: 'failed', category, code, message, hint });

/**
 * A refusal, by its HTTP status: 429 throttled, 401/403 the endpoint's credentials, 5xx unknown
 * (the mail may have been taken: a 503 naming when to come back is a refusal, safe to repeat),
 * any other 4xx permanent with the provider's own text.
 */
export const emailFailure = (provider: string, status: number, text: string | undefined, retryAfterSeconds: number | undefined, hints: { readonly credentials: string }): SendOutcome => {
  const code = String(status);
  const message = text ?? `HTTP ${status}`;
  if (status === 429) return { kind: 'throttled', code, message, ...(retryAfterSeconds !== undefined && { retryAfterSeconds }) };
  if (status === 401 || status === 403) return failed('credentials', code, message, hints.credentials);
  if (status === 503 && retryAfterSeconds !== undefined) return { kind: 'temporary', code, message, retryAfterSeconds };
  if (status >= 500) return { kind: 'unknown', code, message };
  if (status === 413) return failed('permanent', code, message, `${provider} refused the mail as too large: send smaller or fewer attachments.`);
  return failed('permanent', code, message, `${provider} refused the mail: ${message}`);
};

/** A reply goes to the one address of its conversation, never to a list a customer's From header wrote. */
export const notOneMailbox: SendOutcome = failed('permanent', 'switchboard.not_one_mailbox', 'the recipient or sender is not one email address', 'Write to one address: start a conversation with POST /messages naming it.');

/** accept.ts gives every email a subject; a message without one was never accepted as an email. */
export const noSubject: SendOutcome = failed('permanent', 'switchboard.no_subject', 'an email without a subject', 'Send it again with POST /messages and a subject.');

/**
 * Neither SendGrid nor Mailgun publishes a per-sender rate for its send endpoint: SendGrid's
 * limits are per endpoint and plan, told in X-RateLimit-* headers
 * (https://www.twilio.com/docs/sendgrid/api-reference/how-to-use-the-sendgrid-v3-api/rate-limits),
 * and its 600 requests a minute applies to other endpoints, not mail/send
 * (https://twilio.com/en-us/changelog/imposing-rate-limits-on-some-sendgrid-v2-api-endpoints).
 * 10 a second paces one inbox well below either, and their 429s slow it further;
 * an endpoint's own rate (`--rate`) overrides it.
 */
export const emailRate = (): SendRate => ({ perSecond: 10 });
