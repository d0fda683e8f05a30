import { settleWithin } from './settle-within.ts';

/**
 * Why a record was given back unstored: the invocation was about to reach its timeout. It is
 * kept as the record's failure reason, so a record that ends in the DLQ this way says why;
 * a Lambda killed at its timeout records nothing.
 */
export class ProcessorTimeRanOut extends Error {
  constructor() {
    super('processor time ran out');
    this.name = 'ProcessorTimeRanOut';
  }
}

/**
 * When an invocation stops taking on work: before its deadline by a reserve in which it
 * reports what it could not finish and records why (a hide and a put, tens of milliseconds,
 * seconds if throttled and retried): 3 s, or a tenth of a shorter remaining time.
 */
export const stopTakingWorkAt = (nowMs: number, remainingMs: number): number => nowMs + remainingMs - Math.min(3_000, remainingMs / 10);

/**
 * Runs `work` unless `stopAt` has passed, and gives up on it at `stopAt`: either way the
 * record fails with ProcessorTimeRanOut. Work given up on may still finish (its writes are
 * harmless, storing being idempotent), but what it returns is ignored.
 */
export const withinTime = async <Result>(stopAt: number, work: () => Promise<Result>, now: () => number = Date.now): Promise<Result> => {
  const leftMs = stopAt - now();
  if (leftMs <= 0) throw new ProcessorTimeRanOut();
  return settleWithin(work(), leftMs, () => new ProcessorTimeRanOut());
};
