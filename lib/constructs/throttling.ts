/** The bounds that keep one API or one token holder from spending the account's shared capacity. */

/** API Gateway's token bucket on a stage, for all its methods or routes together. */
export interface StageThrottle {
  /** Requests (WebSocket: connects and messages) a second, sustained. */
  readonly rateLimit: number;
  /** Requests above the rate the bucket lets through at once. */
  readonly burstLimit: number;
}

/**
 * Reserved concurrency of the functions a token holder can keep busy: each is both the
 * function's guaranteed share of the account's Lambda concurrency and its cap. The ack has
 * none: a cap would throttle verified provider traffic, which is never refused for load.
 */
export interface ReservedConcurrency {
  /** The query API, whose long-polls hold an instance up to 25 s each. */
  readonly query: number;
  /** The WebSocket's $connect. */
  readonly connect: number;
  /** The WebSocket's client messages ($default: ping, subscribe). */
  readonly socket: number;
  /** Accepting messages to send (REST and the WebSocket's `send`), whose `?wait=` holds an instance up to 10 s. */
  readonly send: number;
}
