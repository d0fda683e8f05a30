import { describe, expect, it } from 'vitest';
import { contiguousRun, feedSettleMs, maxPublishedTogether, parseFeedCursor, publishFrames, type FeedEntry, type FeedWriter } from '../../../functions/core/feed.ts';
import { functionSizes } from '../../../lib/definitions/functions.ts';
import type { UnplacedFrame } from '../../../functions/core/frames.ts';

const now = Date.parse('2026-11-22T12:00:00.000Z');
const frame = (seq: number) => `{"cursor":"${seq}"}`;
const entry = (seq: number, reservedAt = now): FeedEntry => ({ seq, reservedAt, frame: frame(seq) });
const hole = (seq: number, reservedAt = now): FeedEntry => ({ seq, reservedAt });

describe('contiguousRun: what a reader may take of the feed', () => {
  it('takes contiguous entries in order and ends at the last', () => {
    expect(contiguousRun([entry(4), entry(5), entry(6)], 3, 10, now)).toEqual({ frames: [frame(4), frame(5), frame(6)], cursor: 6, waiting: false });
  });

  it('passes a hole without a frame, so a reader never waits on it', () => {
    expect(contiguousRun([entry(4), hole(5), entry(6)], 3, 10, now)).toEqual({ frames: [frame(4), frame(6)], cursor: 6, waiting: false });
    expect(contiguousRun([hole(4)], 3, 10, now)).toEqual({ frames: [], cursor: 4, waiting: false });
  });

  it('stops at a gap whose number may still be written, and hands out no cursor past it', () => {
    const next = now - feedSettleMs;

    expect(contiguousRun([entry(4), entry(6, next), entry(7)], 3, 10, now)).toEqual({ frames: [frame(4)], cursor: 4, waiting: true });
    expect(contiguousRun([entry(5)], 3, 10, now)).toEqual({ frames: [], cursor: 3, waiting: true });
  });

  it("skips a gap once the next entry was reserved longer ago than the broadcaster's timeout and the margin", () => {
    const settled = now - feedSettleMs - 1;

    expect(contiguousRun([entry(4), entry(6, settled), entry(7)], 3, 10, now)).toEqual({ frames: [frame(4), frame(6), frame(7)], cursor: 7, waiting: false });
    expect(feedSettleMs).toBeGreaterThan(functionSizes.broadcaster.timeoutSeconds * 1000);
  });

  it('stops at the limit, and before a frame that would pass the byte budget', () => {
    expect(contiguousRun([entry(1), entry(2), hole(3), entry(4)], 0, 2, now)).toEqual({ frames: [frame(1), frame(2)], cursor: 3, waiting: false });
    expect(contiguousRun([entry(1), entry(2)], 0, 10, now, frame(1).length + 1)).toEqual({ frames: [frame(1)], cursor: 1, waiting: false });
  });

  it('ignores entries at or before the cursor', () => {
    expect(contiguousRun([entry(2), entry(3)], 2, 10, now)).toEqual({ frames: [frame(3)], cursor: 3, waiting: false });
  });
});

describe('parseFeedCursor', () => {
  it('reads a decimal sequence number', () => {
    expect([parseFeedCursor('0'), parseFeedCursor('17'), parseFeedCursor(String(Number.MAX_SAFE_INTEGER))]).toEqual([0, 17, Number.MAX_SAFE_INTEGER]);
  });

  it.each(['', '-1', '01', '1e3', '0x10', ' 1', '1.0', '9007199254740992', '2026-11-22T12:00:00.000Z/msg_1'])('refuses %j as a bad request', (cursor) => {
    expect(() => parseFeedCursor(cursor)).toThrow(expect.objectContaining({ reason: 'bad_request' }));
  });
});

/** A feed table in memory: counters, entries and markers, as the adapter keeps them. */
const fakeWriter = (failing: ReadonlySet<string> = new Set()) => {
  const counters = new Map<string, number>();
  const entries = new Map<string, { frame?: string; recordId?: string }>();
  const markers = new Set<string>();
  const reservations: { tenantId: string; count: number }[] = [];
  const writer: FeedWriter = {
    async reserve(tenantId, count) {
      reservations.push({ tenantId, count });
      const last = (counters.get(tenantId) ?? 0) + count;
      counters.set(tenantId, last);
      return { first: last - count + 1, reservedAt: now };
    },
    async publish(writes) {
      if (writes.some(({ recordId }) => failing.has(recordId))) throw new Error('throttled');
      return writes.map(({ tenantId, recordId, seq, frame }) => {
        if (markers.has(recordId)) {
          entries.set(`${tenantId}/${seq}`, {});
          return 'duplicate';
        }
        markers.add(recordId);
        entries.set(`${tenantId}/${seq}`, { frame, recordId });
        return 'published';
      });
    },
    async abandon({ tenantId, seq }) {
      if (!entries.has(`${tenantId}/${seq}`)) entries.set(`${tenantId}/${seq}`, {});
    },
  };
  return { writer, entries, reservations };
};

const unplaced = (tenantId: string, id: string): UnplacedFrame => ({ type: 'message.created', tenantId, data: { id } });

describe('publishFrames', () => {
  it("reserves each tenant's numbers at once and places the frames in stream order", async () => {
    const { writer, reservations, entries } = fakeWriter();
    const records = [unplaced('acme', 'a1'), unplaced('globex', 'g1'), unplaced('acme', 'a2'), unplaced('acme', 'a3')].map((frame, index) => ({ recordId: `r${index}`, frame }));

    const outcomes = await publishFrames(records, writer);

    expect(reservations).toEqual([
      { tenantId: 'acme', count: 3 },
      { tenantId: 'globex', count: 1 },
    ]);
    expect(outcomes.map((outcome) => (outcome.status === 'published' ? [outcome.frame.tenantId, outcome.frame.data.id, outcome.frame.cursor] : outcome.status))).toEqual([
      ['acme', 'a1', '1'],
      ['globex', 'g1', '1'],
      ['acme', 'a2', '2'],
      ['acme', 'a3', '3'],
    ]);
    expect(JSON.parse(entries.get('acme/2')?.frame ?? '')).toMatchObject({ cursor: '2', data: { id: 'a2' } });
  });

  it('publishes a retried record once: its new number becomes a hole', async () => {
    const { writer, entries } = fakeWriter();
    const records = [{ recordId: 'r1', frame: unplaced('acme', 'a1') }];
    await publishFrames(records, writer);

    const retried = await publishFrames([...records, { recordId: 'r2', frame: unplaced('acme', 'a2') }], writer);

    expect(retried.map((outcome) => outcome.status)).toEqual(['duplicate', 'published']);
    expect([...entries]).toEqual([
      ['acme/1', { frame: expect.stringContaining('"a1"'), recordId: 'r1' }],
      ['acme/2', {}],
      ['acme/3', { frame: expect.stringContaining('"a2"'), recordId: 'r2' }],
    ]);
  });

  it('writes up to 50 frames in one transaction; a transaction that fails fails its records only, leaving holes at their numbers', async () => {
    const { writer, entries } = fakeWriter(new Set(['r60']));
    const calls: number[] = [];
    const counting: FeedWriter = { ...writer, publish: async (writes) => (calls.push(writes.length), writer.publish(writes)) };
    const records = Array.from({ length: 120 }, (_, index) => ({ recordId: `r${index}`, frame: unplaced('acme', `a${index}`) }));

    const outcomes = await publishFrames(records, counting);

    expect(calls.sort((a, b) => a - b)).toEqual([20, maxPublishedTogether, maxPublishedTogether]);
    const failed = outcomes.flatMap((outcome, index) => (outcome.status === 'failed' ? [index] : []));
    expect(failed).toEqual(Array.from({ length: 50 }, (_, index) => 50 + index));
    expect(entries.get('acme/61')).toEqual({});
    expect(entries.get('acme/1')?.frame).toContain('"a0"');
  });

  it("fails every record of a tenant whose numbers could not be reserved, and only those", async () => {
    const { writer } = fakeWriter();
    const failingWriter: FeedWriter = { ...writer, reserve: async (tenantId, count) => (tenantId === 'globex' ? Promise.reject(new Error('throttled')) : writer.reserve(tenantId, count)) };

    const outcomes = await publishFrames([{ recordId: 'r1', frame: unplaced('globex', 'g1') }, { recordId: 'r2', frame: unplaced('acme', 'a1') }], failingWriter);

    expect(outcomes.map((outcome) => outcome.status)).toEqual(['failed', 'published']);
  });
});
