/**
 * The errors the pipeline tells apart. Each says what should happen next, not where it came
 * from: callers branch with `instanceof`, and only `shared/http.ts` decides what a caller sees.
 */

export class SwitchboardError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

/**
 * A configuration that is incomplete or invalid: the stack's settings at synth, or a function's
 * environment at cold start. Nothing is built or served with it. It lists every problem at once.
 */
export class ConfigurationError extends SwitchboardError {
  readonly problems: readonly string[];

  constructor(problems: string | readonly string[]) {
    super(typeof problems === 'string' ? problems : `Switchboard's configuration is not valid:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
    this.problems = typeof problems === 'string' ? [problems] : problems;
  }
}

/**
 * A queued request that can never be processed as it is (unparseable, unsupported): it is
 * quarantined for a human to look at and replay, never retried through the queue.
 */
export class PermanentError extends SwitchboardError {}

/**
 * Why a request is refused, in the domain's terms:
 * - `signature`: its credentials do not hold (a bad or missing signature, token or password);
 * - `replayed`: it was received before (a reused one-time token, or a timestamp its provider refuses as a replay);
 * - `unknown_endpoint`: its URL names no endpoint of its provider;
 * - `too_large`: its body is over the limit;
 * - `bad_request`: a parameter or cursor is not one the API takes;
 * - `not_found`: what it asks for does not exist, or is another tenant's;
 * - `unauthenticated`: it carries no valid inbox token;
 * - `forbidden`: its token is valid, but not for what it asks (another tenant's figures);
 * - `window_closed`, `recipient_opted_out`, `no_send_credentials`: a message the conversation cannot take now;
 * - `idempotency_key_reused`: an Idempotency-Key already used for another request.
 */
export type RefusalReason =
  | 'signature'
  | 'replayed'
  | 'unknown_endpoint'
  | 'too_large'
  | 'bad_request'
  | 'not_found'
  | 'unauthenticated'
  | 'forbidden'
  | 'window_closed'
  | 'recipient_opted_out'
  | 'no_send_credentials'
  | 'idempotency_key_reused';

/**
 * A request refused for what it is: nothing was done with it, and the same request is refused
 * again. The message is the caller's to read; `details` are facts it can act on (when a window
 * closed), answered beside it.
 */
export class Refused extends SwitchboardError {
  readonly reason: RefusalReason;
  readonly details?: Readonly<Record<string, unknown>>;

  constructor(reason: RefusalReason, message: string, details?: Readonly<Record<string, unknown>>) {
    super(message);
    this.reason = reason;
    if (details) this.details = details;
  }
}

/** What the request needs is down for now: nothing was done with it, and the same request may pass later. The cause is only logged. */
export class Unavailable extends SwitchboardError {
  readonly dependency: 'queue' | 'replay_check';
  /** How long a caller that retries should wait. */
  readonly retryAfterSeconds: number;

  constructor(dependency: 'queue' | 'replay_check', message: string, retryAfterSeconds: number, options?: ErrorOptions) {
    super(message, options);
    this.dependency = dependency;
    this.retryAfterSeconds = retryAfterSeconds;
  }
}
