import { processorSettings } from '../../lib/definitions/pipeline.ts';
import type { Envelope } from './envelope.ts';
import type { NormalizedEvent } from './message.ts';

/**
 * A request carries any number of events (one Meta POST can hold 10,000 messages), while one
 * processor invocation can store only so many before its timeout. A request with more is not
 * stored by the record that brought it: that record queues the request again in parts, each
 * naming the same body (inline or by its body-store key) and a range of its events, and each
 * part is a record of its own, stored like any other. Storing is idempotent (messages and
 * events dedupe on their ids), so a part delivered twice stores nothing twice, and a
 * splitting record that is redelivered after queuing its parts queues them again, harmlessly.
 */

/**
 * The most events one record stores: the processor's timeout × the share of it planned for
 * storing ÷ the measured cost of storing one event. 30 s × 0.5 ÷ 250 ms = 60.
 *
 * The cost is the slowest place the processor runs: DynamoDB Local on a busy 2-core machine,
 * with the local stack's two pollers' 20 records in flight at once, 100 events each: 250 ms
 * per event per record (one record alone: 14–24 ms an event, a transaction and a query).
 * On AWS each call takes milliseconds and a batch's records do not slow each other down,
 * so the bound is generous there. The other half of the timeout is for retries of throttled
 * calls, for normalizing the whole request again in each part (0.4 s for the largest body
 * accepted, 4 MiB), and for the reserve the processor keeps to record failures before its
 * time runs out (time-budget.ts).
 */
const measuredMsPerEvent = 250;
const storingShare = 0.5;
export const maxEventsPerRecord = Math.floor((processorSettings.timeoutSeconds * 1000 * storingShare) / measuredMsPerEvent);

export interface EventRange {
  readonly start: number;
  /** Exclusive. */
  readonly end: number;
}

/** Thrown instead of storing a whole request that has more events than one record may store. */
export class RequestTooLarge extends Error {
  readonly eventCount: number;
  constructor(eventCount: number) {
    super(`the request has ${eventCount} events, more than the ${maxEventsPerRecord} one record stores`);
    this.name = 'RequestTooLarge';
    this.eventCount = eventCount;
  }
}

/** Consecutive ranges of at most `maxEvents` that cover events 0 … eventCount − 1, each once. */
export const partRanges = (eventCount: number, maxEvents: number = maxEventsPerRecord): EventRange[] =>
  Array.from({ length: Math.ceil(eventCount / maxEvents) }, (_, index) => ({
    start: index * maxEvents,
    end: Math.min((index + 1) * maxEvents, eventCount),
  }));

/** The records to queue for a request of `eventCount` events: the same request, a range each. */
export const partsOf = (envelope: Envelope, eventCount: number): Envelope[] => partRanges(eventCount).map((part) => ({ ...envelope, part }));

/**
 * Every part of a request normalizes its whole body again. The events of the last large
 * request seen here are kept, so the parts that the same warm function (or the local
 * runtime's single process) takes up skip that work; another large request replaces them.
 */
let lastLarge: { readonly requestId: string; readonly events: NormalizedEvent[] } | undefined;

const normalizedOnce = async (envelope: Envelope, normalize: () => Promise<NormalizedEvent[]>): Promise<NormalizedEvent[]> => {
  if (lastLarge?.requestId === envelope.requestId) return lastLarge.events;
  const events = await normalize();
  if (events.length > maxEventsPerRecord) lastLarge = { requestId: envelope.requestId, events };
  return events;
};

/**
 * The events this record stores of its request: a part's range, or the whole request when
 * one record may store it all. Otherwise RequestTooLarge: the caller queues the parts. A
 * part is never split again.
 */
export const eventsToStore = async (envelope: Envelope, normalize: () => Promise<NormalizedEvent[]>): Promise<NormalizedEvent[]> => {
  const events = await normalizedOnce(envelope, normalize);
  if (envelope.part) return events.slice(envelope.part.start, envelope.part.end);
  if (events.length > maxEventsPerRecord) throw new RequestTooLarge(events.length);
  return events;
};
