import { envelopeOf } from './envelope.ts';
import type { RecordFailure } from './items.ts';

/**
 * A queue record that failed for now (throttling, a timeout, a dependency down) is retried by
 * the queue, later each time: exponential backoff with full jitter, applied by hiding the
 * record for the delay (ChangeMessageVisibility). Full jitter spreads a throttled batch's
 * records over the whole window, so they do not all come back at once and meet the same
 * throttle again.
 */
export interface Backoff {
  /** The ceiling of the first retry's delay; it doubles with each receive. */
  readonly baseSeconds: number;
  /** No delay is longer than this. */
  readonly capSeconds: number;
}

/**
 * The backoff of a queue. The cap is the queue's visibility timeout: that is how long a
 * failed record stays hidden anyway, so backing off only ever brings a retry forward, never
 * makes it later than without. The base halves from the cap once per receive before the
 * last, so the ceiling doubles on each receive and reaches the cap on the last one: with the
 * deployed figures (180 s, 5 receives) 11.25 s, 22.5 s, 45 s, 90 s, 180 s. A blip (a
 * throttled burst, one slow call) is retried within seconds; a lasting failure still reaches
 * the DLQ after about three minutes on average (at most six), not the fifteen that five
 * full visibility timeouts take. A queue whose timeout is shortened (the local stack's, for
 * tests) shortens its backoff with it.
 */
export const backoffFor = (visibilityTimeoutSeconds: number, maxReceiveCount: number): Backoff => ({
  baseSeconds: visibilityTimeoutSeconds / 2 ** Math.max(maxReceiveCount - 1, 0),
  capSeconds: visibilityTimeoutSeconds,
});

/**
 * How long to hide a record that failed on its `receiveCount`th receive: a random whole
 * number of seconds (what ChangeMessageVisibility takes) between 0 and
 * min(cap, base × 2^(receiveCount − 1)).
 */
export const retryDelaySeconds = (receiveCount: number, backoff: Backoff, random: () => number = Math.random): number => {
  // SQS counts from 1; a missing or garbled count is treated as a first receive.
  const attempt = Number.isFinite(receiveCount) && receiveCount >= 1 ? Math.floor(receiveCount) : 1;
  const ceiling = Math.min(backoff.capSeconds, backoff.baseSeconds * 2 ** (attempt - 1));
  return Math.round(random() * ceiling);
};

/** An error message names what failed; a long one is cut, so a failure record stays small. */
const maxErrorLength = 1000;

const describeError = (error: unknown): string => {
  const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return text.length > maxErrorLength ? `${text.slice(0, maxErrorLength)}…` : text;
};

/** The queue record that failed, as much of it as a retry needs. */
export interface FailedRecord {
  readonly messageId: string;
  readonly receiptHandle: string;
  readonly body: string;
  readonly receiveCount: number;
}

export interface RetryDependencies {
  readonly backoff: Backoff;
  /** Keeps the record hidden this many seconds from now (ChangeMessageVisibility). */
  hide(receiptHandle: string, seconds: number): Promise<void>;
  /** Keeps why the record failed, for `switchboard dlq list`. */
  recordFailure(failure: RecordFailure): Promise<void>;
  now(): Date;
  random?(): number;
}

export interface DeferredRetry {
  readonly retryInSeconds: number;
  readonly failure: RecordFailure;
  /** The steps that could not be done. The record is retried all the same, after the queue's own visibility timeout at worst. */
  readonly problems: readonly { readonly step: 'hide' | 'recordFailure'; readonly error: unknown }[];
}

/**
 * Puts off a failed record's next try by its backoff and keeps why it failed: the error's
 * name and message, never the payload, and the request and tenant when the body is an
 * envelope. Never throws: neither step may turn one record's failure into its batch's.
 */
export const deferRetry = async (record: FailedRecord, error: unknown, deps: RetryDependencies): Promise<DeferredRetry> => {
  const retryInSeconds = retryDelaySeconds(record.receiveCount, deps.backoff, deps.random);
  const envelope = envelopeOf(record.body);
  const failure: RecordFailure = {
    sqsMessageId: record.messageId,
    receiveCount: record.receiveCount,
    error: describeError(error),
    failedAt: deps.now().toISOString(),
    ...(envelope && { requestId: envelope.requestId, tenantId: envelope.tenantId }),
  };
  const attempt = async (step: DeferredRetry['problems'][number]['step'], run: () => Promise<void>) => {
    try {
      await run();
      return [];
    } catch (stepError) {
      return [{ step, error: stepError }];
    }
  };
  const problems = await Promise.all([
    attempt('hide', () => deps.hide(record.receiptHandle, retryInSeconds)),
    attempt('recordFailure', () => deps.recordFailure(failure)),
  ]);
  return { retryInSeconds, failure, problems: problems.flat() };
};
