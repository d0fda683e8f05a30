import { describe, expect, it } from 'vitest';
import { ackStatsRecorder } from '../../../functions/ack/stats.ts';
import type { SignatureBurst } from '../../../functions/core/alerts.ts';
import type { AddedBucket } from '../../../functions/adapters/stats-store.ts';
import type { AckAttempt } from '../../../functions/core/ack.ts';
import { Refused, Unavailable } from '../../../functions/core/errors.ts';
import { maxRefusedAttemptsPerHour, refusedAttribute, type Attempt, type Increment } from '../../../functions/core/stats.ts';

const endpoint = { tenantId: 'acme', endpointId: 'ep_1', provider: 'twilio' };
const base = { endpoint, requestId: 'req_1', at: '2026-12-03T14:25:00.000Z', bytes: 300, latencyMs: 4 };
const badSignature: AckAttempt = { ...base, answer: { refused: new Refused('signature', 'bad signature') } };

/**
 * A store whose ADD answers `count` for each counter it adds to (the hour's new count), and
 * which keeps what it was asked to write, in order. `fail` fails both writes, `failAdd` the ADD.
 */
const stubStore = (count: number, { fail = false, failAdd = false } = {}) => {
  const attempts: Attempt[] = [];
  const increments: Increment[] = [];
  const writes: string[] = [];
  return {
    attempts,
    increments,
    writes,
    store: {
      recordAttempt: async (attempt: Attempt) => {
        if (fail) throw new Error('throttled');
        writes.push('attempt');
        attempts.push(attempt);
      },
      add: async (added: readonly Increment[]): Promise<AddedBucket[]> => {
        if (fail || failAdd) throw new Error('throttled');
        writes.push('add');
        increments.push(...added);
        const refused = Object.fromEntries(added.flatMap(({ refused: reasons }) => Object.keys(reasons ?? {})).map((reason) => [refusedAttribute(reason), count]));
        return [{ key: { tenantId: 'acme', hour: '2026-12-03T14', provider: 'twilio', endpointId: 'ep_1' }, values: { received: count, ...refused } }];
      },
    },
  };
};

const recorderOver = (store: ReturnType<typeof stubStore>['store']) => {
  const bursts: SignatureBurst[] = [];
  const alertFailures: unknown[] = [];
  const record = ackStatsRecorder({ store, onSignatureBurst: async (burst) => void bursts.push(burst), onAlertFailed: (error) => void alertFailures.push(error) });
  return { record, bursts, alertFailures };
};

describe('the ack\'s stats record', () => {
  it('writes the attempt and the counts of an acked request', async () => {
    const stub = stubStore(1);

    await recorderOver(stub.store).record({ ...base, answer: { acked: { statusCode: 200 } } });

    expect(stub.attempts).toEqual([
      { at: base.at, requestId: 'req_1', tenantId: 'acme', endpointId: 'ep_1', provider: 'twilio', bytes: 300, latencyMs: 4, outcome: 'acked', statusCode: 200 },
    ]);
    expect(stub.increments).toEqual([{ ...endpoint, at: base.at, counts: { received: 1, acked: 1 } }]);
  });

  it('records a refusal with the reason and status its answer carries', async () => {
    const stub = stubStore(1);

    await recorderOver(stub.store).record({ ...base, answer: { refused: new Refused('replayed', 'seen'), replayStatus: 406 } });

    expect(stub.attempts[0]).toMatchObject({ outcome: 'refused', reason: 'replayed', statusCode: 406 });
    expect(stub.increments).toEqual([{ ...endpoint, at: base.at, counts: { received: 1 }, refused: { replayed: 1 } }]);
  });

  it('moves a failed enqueue from acked to its refusal, without counting it received again', async () => {
    const stub = stubStore(1);

    await recorderOver(stub.store).record({ ...base, answer: { refused: new Unavailable('queue', 'down', 30) }, supersedesAcked: true });

    expect(stub.attempts[0]).toMatchObject({ outcome: 'refused', reason: 'queue_unavailable', statusCode: 503 });
    expect(stub.increments).toEqual([{ ...endpoint, at: base.at, counts: { acked: -1 }, refused: { queue_unavailable: 1 } }]);
  });

  it('raises the alert on the refusal that makes the hour\'s bad signatures reach the threshold, and only that one', async () => {
    const counts = [4, 5, 6];
    const bursts = await Promise.all(
      counts.map(async (count) => {
        const recorder = recorderOver(stubStore(count).store);
        await recorder.record(badSignature);
        return recorder.bursts;
      }),
    );

    expect(bursts).toEqual([[], [{ ...endpoint, failures: 5 }], []]);
  });

  it('raises no alert for another refusal, even at the threshold', async () => {
    const recorder = recorderOver(stubStore(5).store);

    await recorder.record({ ...base, answer: { refused: new Refused('replayed', 'seen') } });

    expect(recorder.bursts).toEqual([]);
  });

  it('never rejects when the writes or the alert fail', async () => {
    const failing = recorderOver(stubStore(5, { fail: true }).store);
    await expect(failing.record(badSignature)).resolves.toBeUndefined();
    expect(failing.bursts).toEqual([]);

    const alerting = ackStatsRecorder({
      store: stubStore(5).store,
      onSignatureBurst: async () => {
        throw new Error('SNS down');
      },
      onAlertFailed: () => {},
    });
    await expect(alerting(badSignature)).resolves.toBeUndefined();
  });

  it("keeps a refusal's attempt up to the hour's 100th of its reason on the endpoint, and counts every one after it", async () => {
    // Prepare: the ADD answers the hour's count of replayed refusals, this one included.
    const replayed: AckAttempt = { ...base, answer: { refused: new Refused('replayed', 'seen') } };
    const [hundredth, hundredFirst] = [stubStore(maxRefusedAttemptsPerHour), stubStore(maxRefusedAttemptsPerHour + 1)];

    // Act
    await recorderOver(hundredth.store).record(replayed);
    await recorderOver(hundredFirst.store).record(replayed);

    // Assess: the count comes first, and decides.
    expect(maxRefusedAttemptsPerHour).toBe(100);
    expect(hundredth.writes).toEqual(['add', 'attempt']);
    expect(hundredth.attempts).toEqual([expect.objectContaining({ requestId: 'req_1', outcome: 'refused', reason: 'replayed' })]);
    expect(hundredFirst.writes).toEqual(['add']);
    expect(hundredFirst.increments).toEqual([{ ...endpoint, at: base.at, counts: { received: 1 }, refused: { replayed: 1 } }]);
  });

  it('keeps the attempt of a refusal whose count could not be added', async () => {
    const stub = stubStore(0, { failAdd: true });

    await recorderOver(stub.store).record(badSignature);

    expect(stub.attempts).toEqual([expect.objectContaining({ outcome: 'refused', reason: 'signature', statusCode: 401 })]);
  });

  it('always writes the refusal that replaces an acked attempt (a failed enqueue), however many came before it', async () => {
    const stub = stubStore(5_000);

    await recorderOver(stub.store).record({ ...base, answer: { refused: new Unavailable('queue', 'down', 30) }, supersedesAcked: true });

    expect(stub.writes).toEqual(['add', 'attempt']);
    expect(stub.attempts).toEqual([expect.objectContaining({ requestId: 'req_1', outcome: 'refused', reason: 'queue_unavailable' })]);
  });

  it('writes every acked attempt beside its counts, whatever the counts', async () => {
    const stub = stubStore(5_000);

    await recorderOver(stub.store).record({ ...base, answer: { acked: { statusCode: 200 } } });

    expect(stub.attempts).toEqual([expect.objectContaining({ outcome: 'acked' })]);
    expect(stub.increments).toEqual([{ ...endpoint, at: base.at, counts: { received: 1, acked: 1 } }]);
  });
});
