import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { NormalizedEvent } from '../../../functions/core/message.ts';
import { eventsToStore, maxEventsPerRecord, partRanges, partsOf, RequestTooLarge } from '../../../functions/core/request-parts.ts';
import { processorSettings } from '../../../lib/definitions/pipeline.ts';
import { aBulkWhatsappEnvelope } from '../../helpers/meta-bulk.ts';

/**
 * The splitting decision: a request with more events than one record stores is refused
 * whole and split into ranges that cover every event exactly once; a part stores its range
 * and is never split again.
 */

const notices = (count: number): NormalizedEvent[] =>
  Array.from({ length: count }, (_, index) => ({ kind: 'notice', eventId: `e${index}`, name: 'test', channel: 'sms' }) as NormalizedEvent);

describe('partRanges', () => {
  it('covers every event exactly once, in consecutive ranges of at most the bound', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 50_000 }), fc.integer({ min: 1, max: 500 }), (eventCount, maxEvents) => {
        const ranges = partRanges(eventCount, maxEvents);
        const covered = ranges.flatMap(({ start, end }) => Array.from({ length: end - start }, (_, offset) => start + offset));
        expect(covered).toEqual(Array.from({ length: eventCount }, (_, index) => index));
        expect(ranges.every(({ start, end }) => end > start && end - start <= maxEvents)).toBe(true);
        expect(ranges).toHaveLength(Math.ceil(eventCount / maxEvents));
      }),
    );
  });

  it('gives 10,000 events in parts of the bound the processor timeout allows', () => {
    const ranges = partRanges(10_000);

    expect(maxEventsPerRecord).toBeGreaterThan(0);
    expect(maxEventsPerRecord).toBeLessThan(processorSettings.timeoutSeconds * 10);
    expect(ranges[0]).toEqual({ start: 0, end: maxEventsPerRecord });
    expect(ranges.at(-1)?.end).toBe(10_000);
  });
});

describe('eventsToStore', () => {
  it('stores a request within the bound whole', async () => {
    const events = notices(maxEventsPerRecord);

    expect(await eventsToStore(aBulkWhatsappEnvelope(1, { requestId: 'req_within' }), async () => events)).toBe(events);
  });

  it('refuses a request over the bound whole, naming how many events it has', async () => {
    const stored = eventsToStore(aBulkWhatsappEnvelope(1, { requestId: 'req_over' }), async () => notices(maxEventsPerRecord + 1));

    await expect(stored).rejects.toEqual(new RequestTooLarge(maxEventsPerRecord + 1));
  });

  it("stores a part's range only, and never splits a part again", async () => {
    const events = notices(maxEventsPerRecord * 3);
    const part = aBulkWhatsappEnvelope(1, { requestId: 'req_part', part: { start: 5, end: maxEventsPerRecord * 2 } });

    expect(await eventsToStore(part, async () => events)).toEqual(events.slice(5, maxEventsPerRecord * 2));
  });

  it('normalizes a large request once for all its parts taken up in the same process', async () => {
    let normalized = 0;
    const normalize = async () => {
      normalized++;
      return notices(maxEventsPerRecord * 2);
    };
    const whole = aBulkWhatsappEnvelope(1, { requestId: 'req_once' });

    await expect(eventsToStore(whole, normalize)).rejects.toBeInstanceOf(RequestTooLarge);
    const parts = await Promise.all(partsOf(whole, maxEventsPerRecord * 2).map((part) => eventsToStore(part, normalize)));

    expect(normalized).toBe(1);
    expect(parts.flat().map((event) => (event as { eventId: string }).eventId)).toEqual(notices(maxEventsPerRecord * 2).map((event) => (event as { eventId: string }).eventId));
  });
});

describe('partsOf', () => {
  it('queues the same request, body and tenant in every part, with a range each', () => {
    const whole = aBulkWhatsappEnvelope(1);

    const parts = partsOf(whole, maxEventsPerRecord + 1);

    expect(parts).toEqual([
      { ...whole, part: { start: 0, end: maxEventsPerRecord } },
      { ...whole, part: { start: maxEventsPerRecord, end: maxEventsPerRecord + 1 } },
    ]);
  });
});
