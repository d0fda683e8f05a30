/**
 * A provider's per-sender rate limit, as a stand-in enforces it: the generic cell rate
 * algorithm (a token bucket that may go into debt), so that a message costing several units
 * (a 3-segment SMS on a 1-a-second number) passes once and then holds the sender back for as
 * long as it cost, which is how a limiter that paces exactly behaves.
 */
export class RateGate {
  /** When each sender's sends so far would all have left at its rate (ms since epoch). */
  readonly #theoreticalArrival = new Map<string, number>();

  /** How early a send may come and still pass: room for timer jitter, not a burst. */
  readonly #toleranceMs: number;

  /** @param toleranceMs @default 50 */
  constructor(toleranceMs = 50) {
    this.#toleranceMs = toleranceMs;
  }

  /** Admits a send of `cost` units on `key` at `perSecond`, or says how many seconds to wait. */
  admit(key: string, perSecond: number, cost: number, now = Date.now()): { readonly admitted: true } | { readonly admitted: false; readonly retryAfterSeconds: number } {
    const arrival = Math.max(this.#theoreticalArrival.get(key) ?? now, now);
    const early = arrival - now;
    if (early > this.#toleranceMs) return { admitted: false, retryAfterSeconds: Math.max(1, Math.ceil((early - this.#toleranceMs) / 1000)) };
    this.#theoreticalArrival.set(key, arrival + (cost * 1000) / perSecond);
    return { admitted: true };
  }
}
