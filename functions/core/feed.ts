import { functionSizes } from '../../lib/definitions/functions.ts';
import { Refused } from './errors.ts';
import { serializeFrame, type Frame, type UnplacedFrame } from './frames.ts';

/**
 * The change feed (DESIGN §10): one sequence per tenant, assigned where changes are published.
 * The broadcaster reserves a contiguous range of sequence numbers per tenant for each batch of
 * stream records and writes each frame at its number; readers follow the numbers. A time cannot
 * be the cursor: the processor picks a change's time before its write commits, and an index
 * shows writes late by an unbounded lag, so an earlier time can appear behind a cursor already
 * handed out. A number that is missing is visible as a gap, and is waited for.
 */

/** One position of a tenant's feed as stored: a frame, or a hole (a number whose frame was published elsewhere, or never will be). */
export interface FeedEntry {
  readonly seq: number;
  /** The frame as the socket got it (serializeFrame), cursor included; absent in a hole. */
  readonly frame?: string;
  /** When the broadcaster held the number (ms since the epoch, after its reservation returned). */
  readonly reservedAt: number;
}

/**
 * How long a reserved number may still be written. A number is reserved by one broadcaster
 * invocation, which Lambda (and the local runtime) stops at its timeout; the margin covers a
 * write in flight at that moment and the clocks of two functions disagreeing.
 */
export const feedSettleMs = (functionSizes.broadcaster.timeoutSeconds + 15) * 1000;

/** Feed entries, markers included, are kept a day: a cursor older than that resumes at the oldest entry kept. */
export const feedRetentionSeconds = 24 * 3600;

export interface FeedRun {
  /** Serialized frames, in sequence order. */
  readonly frames: string[];
  /** The last number delivered or skipped: where the next read continues. */
  readonly cursor: number;
  /** Whether the run stopped at a gap that may still fill. */
  readonly waiting: boolean;
}

/**
 * What a reader may take of `entries` (ascending numbers after `after`): the entries as long as
 * they are contiguous, a hole advancing the cursor without a frame. At a gap the missing number
 * was reserved no later than the next entry's `reservedAt`; it is skipped only once that is
 * longer ago than `feedSettleMs`, when its writer has certainly stopped. Otherwise the run ends
 * there, and a later read finds it filled or settled.
 */
export const contiguousRun = (entries: readonly FeedEntry[], after: number, limit: number, now: number, maxBytes = Number.POSITIVE_INFINITY): FeedRun => {
  const frames: string[] = [];
  let cursor = after;
  let bytes = 0;
  for (const entry of entries) {
    if (entry.seq <= cursor) continue;
    if (entry.seq > cursor + 1 && now - entry.reservedAt <= feedSettleMs) return { frames, cursor, waiting: true };
    if (entry.frame !== undefined) {
      bytes += Buffer.byteLength(entry.frame);
      if (frames.length >= limit || (frames.length > 0 && bytes > maxBytes)) break;
      frames.push(entry.frame);
    }
    cursor = entry.seq;
  }
  return { frames, cursor, waiting: false };
};

/** A feed cursor as the API hands it out: a sequence number in decimal, nothing else. */
export const parseFeedCursor = (cursor: string): number => {
  const seq = /^(0|[1-9]\d{0,15})$/.test(cursor) ? Number(cursor) : Number.NaN;
  if (!Number.isSafeInteger(seq)) {
    throw new Refused('bad_request', 'cursor must be the cursor of a frame or of an /events answer: a whole number from 0 to 9007199254740991');
  }
  return seq;
};

export interface FeedReader {
  /** The highest number reserved in the tenant's feed; 0 before its first change. */
  head(tenantId: string): Promise<number>;
  /** Up to `limit` entries after `after`, in order, as written (a strongly consistent read). */
  entriesAfter(tenantId: string, after: number, limit: number): Promise<FeedEntry[]>;
}

/** A frame of a stream record, to be published into its tenant's feed. */
export interface FeedRecord {
  /** The stream record's id: a retried batch publishes a record once. */
  readonly recordId: string;
  readonly frame: UnplacedFrame;
}

/** A frame at its number, to be written with its record's marker. */
export interface FeedWrite {
  readonly tenantId: string;
  readonly recordId: string;
  readonly seq: number;
  readonly frame: string;
  readonly reservedAt: number;
}

export interface FeedWriter {
  /** Reserves `count` consecutive numbers of the tenant's feed at once: the first of them, and when the reservation returned. */
  reserve(tenantId: string, count: number): Promise<{ readonly first: number; readonly reservedAt: number }>;
  /**
   * Writes the frames at their numbers, all or none, each unless its record was published
   * before: there it writes a hole instead. At most `maxPublishedTogether` at once.
   */
  publish(writes: readonly FeedWrite[]): Promise<('published' | 'duplicate')[]>;
  /** Writes a hole at a number whose frame could not be written, unless the frame is there after all. */
  abandon(entry: { readonly tenantId: string; readonly seq: number; readonly reservedAt: number }): Promise<void>;
}

/** DynamoDB takes 100 items in one transaction: a frame and its record's marker each. */
export const maxPublishedTogether = 50;

export type PublishOutcome =
  | { readonly recordId: string; readonly status: 'published'; readonly frame: Frame }
  | { readonly recordId: string; readonly status: 'duplicate' }
  | { readonly recordId: string; readonly status: 'failed'; readonly error: unknown };

/** Feed transactions in flight at once. */
export const publishConcurrency = 4;

/**
 * Publishes a batch's frames, in stream order: one reservation per tenant, then each frame at
 * its number (a shard delivers an item's records in commit order, so per item the feed order is
 * the commit order), up to `maxPublishedTogether` in one transaction. Outcomes come back in
 * the records' order; a failed write leaves holes where it can, so readers need not wait out the gap.
 */
export const publishFrames = async (records: readonly FeedRecord[], writer: FeedWriter): Promise<PublishOutcome[]> => {
  const counts = new Map<string, number>();
  for (const { frame } of records) counts.set(frame.tenantId, (counts.get(frame.tenantId) ?? 0) + 1);
  const next = new Map<string, { seq: number; reservedAt: number }>();
  const reservations = await Promise.allSettled(
    [...counts].map(async ([tenantId, count]) => {
      const { first, reservedAt } = await writer.reserve(tenantId, count);
      next.set(tenantId, { seq: first, reservedAt });
    }),
  );
  const reservationError = new Map(
    [...counts.keys()].flatMap((tenantId, index) => {
      const outcome = reservations[index];
      return outcome?.status === 'rejected' ? [[tenantId, outcome.reason] as const] : [];
    }),
  );
  type Placed = { readonly recordId: string; readonly seq: number; readonly reservedAt: number; readonly frame: Frame } | { readonly recordId: string; readonly error: unknown };
  const placed = records.map(({ recordId, frame }): Placed => {
    const position = next.get(frame.tenantId);
    if (!position) return { recordId, error: reservationError.get(frame.tenantId) };
    const seq = position.seq++;
    return { recordId, seq, reservedAt: position.reservedAt, frame: { ...frame, cursor: String(seq) } };
  });
  const outcomes: PublishOutcome[] = new Array(placed.length);
  const writable: { readonly at: number; readonly write: FeedWrite; readonly frame: Frame }[] = [];
  placed.forEach((item, at) => {
    if ('error' in item) outcomes[at] = { recordId: item.recordId, status: 'failed', error: item.error };
    else writable.push({ at, frame: item.frame, write: { tenantId: item.frame.tenantId, recordId: item.recordId, seq: item.seq, frame: serializeFrame(item.frame), reservedAt: item.reservedAt } });
  });
  const chunks = Array.from({ length: Math.ceil(writable.length / maxPublishedTogether) }, (_, index) => writable.slice(index * maxPublishedTogether, (index + 1) * maxPublishedTogether));
  let nextChunk = 0;
  const worker = async () => {
    while (nextChunk < chunks.length) {
      const chunk = chunks[nextChunk++]!;
      try {
        const statuses = await writer.publish(chunk.map(({ write }) => write));
        chunk.forEach(({ at, write, frame }, index) => {
          outcomes[at] = statuses[index] === 'published' ? { recordId: write.recordId, status: 'published', frame } : { recordId: write.recordId, status: 'duplicate' };
        });
      } catch (error) {
        for (const { at, write } of chunk) {
          await writer.abandon(write).catch(() => undefined);
          outcomes[at] = { recordId: write.recordId, status: 'failed', error };
        }
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(publishConcurrency, chunks.length) }, worker));
  return outcomes;
};
