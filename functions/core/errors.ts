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

/** The configuration a function was deployed with is incomplete or invalid; fail at cold start. */
export class ConfigurationError extends SwitchboardError {}

/**
 * A queued request that can never be processed as it is (unparseable, unsupported): it is
 * quarantined for a human to look at and replay, never retried through the queue.
 */
export class PermanentError extends SwitchboardError {}

/**
 * An HTTP answer other than success. The message and headers are what the caller sees; the
 * cause, if any, is only logged.
 */
export class HttpError extends SwitchboardError {
  readonly statusCode: number;
  readonly headers: Record<string, string>;

  constructor(statusCode: number, message: string, headers: Record<string, string> = {}, options?: ErrorOptions) {
    super(message, options);
    this.statusCode = statusCode;
    this.headers = headers;
  }
}
