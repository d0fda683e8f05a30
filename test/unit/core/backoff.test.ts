import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { backoffFor, deferRetry, retryDelaySeconds, type RetryDependencies } from '../../../functions/core/backoff.ts';
import type { RecordFailure } from '../../../functions/core/items.ts';
import { ingestQueueSettings } from '../../../lib/definitions/pipeline.ts';
import { aTwilioEnvelope } from '../../helpers/factories.ts';
import { inboundSmsFields } from '../../helpers/twilio.ts';

const deployed = backoffFor(ingestQueueSettings.visibilityTimeoutSeconds, ingestQueueSettings.maxReceiveCount);
const failedAt = new Date('2026-11-22T12:00:07.000Z');

describe('backoffFor', () => {
  it("caps every delay at the queue's visibility timeout and reaches the cap on the last receive", () => {
    // Act
    const backoff = backoffFor(180, 5);

    // Assess
    expect(backoff).toEqual({ baseSeconds: 11.25, capSeconds: 180 });
    expect(deployed).toEqual(backoff);
  });

  it('shrinks with a shortened visibility timeout', () => {
    expect(backoffFor(2, 5)).toEqual({ baseSeconds: 0.125, capSeconds: 2 });
  });
});

describe('retryDelaySeconds', () => {
  it('doubles the ceiling on each receive, up to the cap', () => {
    // Act: the largest draw gives the ceiling itself.
    const ceilings = [1, 2, 3, 4, 5, 6, 50].map((receiveCount) => retryDelaySeconds(receiveCount, deployed, () => 1));

    // Assess
    expect(ceilings).toEqual([11, 23, 45, 90, 180, 180, 180]);
  });

  it('may retry at once: full jitter starts at zero', () => {
    expect([1, 3, 5].map((receiveCount) => retryDelaySeconds(receiveCount, deployed, () => 0))).toEqual([0, 0, 0]);
  });

  it('treats a missing or garbled receive count as a first receive', () => {
    expect([Number.NaN, 0, -3, Number.POSITIVE_INFINITY].map((receiveCount) => retryDelaySeconds(receiveCount, deployed, () => 1))).toEqual([11, 11, 11, 11]);
  });

  it('always answers whole seconds between 0 and min(cap, base × 2^(receives − 1))', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 1000 }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        fc.integer({ min: 1, max: 43_200 }),
        fc.integer({ min: 1, max: 20 }),
        (receiveCount, draw, visibilityTimeoutSeconds, maxReceiveCount) => {
          const backoff = backoffFor(visibilityTimeoutSeconds, maxReceiveCount);
          const delay = retryDelaySeconds(receiveCount, backoff, () => draw);
          const ceiling = Math.min(backoff.capSeconds, backoff.baseSeconds * 2 ** (receiveCount - 1));
          expect(Number.isInteger(delay)).toBe(true);
          expect(delay).toBeGreaterThanOrEqual(0);
          expect(delay).toBeLessThanOrEqual(Math.round(ceiling));
          expect(delay).toBeLessThanOrEqual(visibilityTimeoutSeconds);
        },
      ),
    );
  });
});

/** Dependencies that record what was hidden and kept, or fail as told. */
const fakeDependencies = (overrides: Partial<RetryDependencies> = {}) => {
  const hidden: [string, number][] = [];
  const recorded: RecordFailure[] = [];
  const deps: RetryDependencies = {
    backoff: deployed,
    hide: async (receiptHandle, seconds) => void hidden.push([receiptHandle, seconds]),
    recordFailure: async (failure) => void recorded.push(failure),
    now: () => failedAt,
    random: () => 1,
    ...overrides,
  };
  return { deps, hidden, recorded };
};

const envelope = aTwilioEnvelope(inboundSmsFields({ Body: 'my card number is 4111 1111 1111 1111' }), { requestId: 'req_retry', tenantId: 'globex' });
const record = { messageId: 'sqs-1', receiptHandle: 'handle-1', body: JSON.stringify(envelope), receiveCount: 3 };
const throttled = Object.assign(new Error('The level of configured provisioned throughput for the table was exceeded.'), { name: 'ProvisionedThroughputExceededException' });

describe('deferRetry', () => {
  it('hides the record for its backoff delay and keeps why it failed, with its request and tenant', async () => {
    // Prepare
    const { deps, hidden, recorded } = fakeDependencies();

    // Act
    const deferred = await deferRetry(record, throttled, deps);

    // Assess
    expect(hidden).toEqual([['handle-1', 45]]);
    expect(recorded).toEqual([
      {
        sqsMessageId: 'sqs-1',
        receiveCount: 3,
        error: 'ProvisionedThroughputExceededException: The level of configured provisioned throughput for the table was exceeded.',
        failedAt: '2026-11-22T12:00:07.000Z',
        requestId: 'req_retry',
        tenantId: 'globex',
      },
    ]);
    expect(deferred).toEqual({ retryInSeconds: 45, failure: recorded[0], problems: [] });
  });

  it('never keeps the payload, only the error', async () => {
    const { deps, recorded } = fakeDependencies();

    await deferRetry(record, new Error('S3 GET answered 503'), deps);

    expect(JSON.stringify(recorded)).not.toContain('4111');
    expect(JSON.stringify(recorded)).not.toContain(envelope.body);
  });

  it('keeps the failure of a body that is not an envelope without a request or tenant', async () => {
    const { deps, recorded } = fakeDependencies();

    await deferRetry({ ...record, body: 'not json' }, 'a thrown string', deps);

    expect(recorded).toEqual([{ sqsMessageId: 'sqs-1', receiveCount: 3, error: 'a thrown string', failedAt: '2026-11-22T12:00:07.000Z' }]);
  });

  it('cuts a very long error message', async () => {
    const { deps, recorded } = fakeDependencies();

    await deferRetry(record, new Error('x'.repeat(5000)), deps);

    expect(recorded[0]?.error).toHaveLength(1001);
    expect(recorded[0]?.error.startsWith('Error: xxx')).toBe(true);
  });

  it('still keeps the failure when the record cannot be hidden, and says so instead of throwing', async () => {
    // Prepare
    const notInFlight = new Error('Message does not exist or is not available for visibility timeout change.');
    const { deps, recorded } = fakeDependencies({ hide: async () => Promise.reject(notInFlight) });

    // Act
    const deferred = await deferRetry(record, throttled, deps);

    // Assess
    expect(recorded).toHaveLength(1);
    expect(deferred.problems).toEqual([{ step: 'hide', error: notInFlight }]);
  });

  it('still hides the record when its failure cannot be kept, and says so instead of throwing', async () => {
    const tableDown = new Error('connect ECONNREFUSED');
    const { deps, hidden } = fakeDependencies({ recordFailure: async () => Promise.reject(tableDown) });

    const deferred = await deferRetry(record, throttled, deps);

    expect(hidden).toEqual([['handle-1', 45]]);
    expect(deferred.problems).toEqual([{ step: 'recordFailure', error: tableDown }]);
  });

  it('reports both steps when both fail, even synchronously', async () => {
    const { deps } = fakeDependencies({
      hide: () => {
        throw new Error('no queue');
      },
      recordFailure: async () => Promise.reject(new Error('no table')),
    });

    const deferred = await deferRetry(record, throttled, deps);

    expect(deferred.problems.map((problem) => [problem.step, (problem.error as Error).message])).toEqual([
      ['hide', 'no queue'],
      ['recordFailure', 'no table'],
    ]);
  });
});
