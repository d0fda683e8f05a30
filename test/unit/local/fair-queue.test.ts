import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fairOrder } from '../../../lib/local/fair-queue.ts';

/** A message is written `<group><n>`, or `-<n>` for one without a group. */
const groupOf = (message: string) => (message.startsWith('-') ? undefined : message.replace(/\d+$/, ''));
const order = (ready: string[], inFlight: Record<string, number>, count: number) => fairOrder(ready, groupOf, new Map(Object.entries(inFlight)), count);

describe('fairOrder', () => {
  it("hands out a quiet group's messages before those of a group with messages in flight", () => {
    // Act
    const reordered = order(['a1', 'a2', 'a3', 'a4', 'a5', 'b1', 'b2'], { a: 3 }, 3);

    // Assess
    expect(reordered).toEqual(['b1', 'b2', 'a1', 'a2', 'a3', 'a4', 'a5']);
  });

  it('lets groups with as many in flight take turns, oldest waiting first, then keeps the rest in arrival order', () => {
    expect(order(['a1', 'a2', 'a3', 'b1', 'c1', 'c2', 'a4'], {}, 5)).toEqual(['a1', 'b1', 'c1', 'a2', 'c2', 'a3', 'a4']);
  });

  it('counts the messages it picks: a group catches up with a busier one, then they alternate', () => {
    expect(order(['a1', 'a2', 'a3', 'b1', 'b2', 'b3', 'b4'], { a: 2 }, 6)).toEqual(['b1', 'b2', 'a1', 'b3', 'a2', 'b4', 'a3']);
  });

  it('treats each message without a group as a group of its own, with nothing in flight', () => {
    expect(order(['a1', '-1', 'a2', '-2'], { a: 1 }, 2)).toEqual(['-1', '-2', 'a1', 'a2']);
  });

  it('keeps arrival order when there is one group, whatever is in flight', () => {
    expect(order(['a1', 'a2', 'a3'], { a: 7, b: 2 }, 2)).toEqual(['a1', 'a2', 'a3']);
  });

  it('picks what there is when fewer messages are ready than asked for, and nothing from an empty list', () => {
    expect(order(['b1', 'a1'], { b: 1 }, 10)).toEqual(['a1', 'b1']);
    expect(order([], { a: 1 }, 10)).toEqual([]);
  });

  // Ready lists of distinct messages in a few groups (some without one), in-flight counts and a count.
  const scenario = fc
    .record({
      groups: fc.array(fc.constantFrom('a', 'b', 'c', 'd', '-'), { maxLength: 60 }),
      inFlight: fc.record({ a: fc.nat(25), b: fc.nat(25), c: fc.nat(25), d: fc.nat(25) }),
      count: fc.integer({ min: 0, max: 12 }),
    })
    .map(({ groups, inFlight, count }) => ({ ready: groups.map((group, index) => `${group}${index}`), inFlight, count }));
  const keyOf = (message: string) => groupOf(message) ?? message;

  it('never loses or duplicates a message, and keeps each group in arrival order', () => {
    fc.assert(
      fc.property(scenario, ({ ready, inFlight, count }) => {
        const reordered = order(ready, inFlight, count);
        expect([...reordered].sort()).toEqual([...ready].sort());
        for (const group of new Set(ready.map(keyOf))) {
          expect(reordered.filter((message) => keyOf(message) === group)).toEqual(ready.filter((message) => keyOf(message) === group));
        }
        // Past the picks, the rest stay in arrival order.
        const rest = reordered.slice(Math.min(count, ready.length));
        expect(rest).toEqual(ready.filter((message) => rest.includes(message)));
      }),
    );
  });

  it('never starves a group with fewer in flight for one with more: the picks level the groups up', () => {
    fc.assert(
      fc.property(scenario, ({ ready, inFlight, count }) => {
        const picks = order(ready, inFlight, count).slice(0, Math.min(count, ready.length));
        const load = (group: string) => (groupOf(group) === undefined ? 0 : (inFlight[group as keyof typeof inFlight] ?? 0)) + picks.filter((message) => keyOf(message) === group).length;
        const waiting = (group: string) => ready.filter((message) => keyOf(message) === group).length > picks.filter((message) => keyOf(message) === group).length;
        const groups = [...new Set(ready.map(keyOf))];
        // A group that got a pick ends at most one above any group still left waiting.
        for (const picked of new Set(picks.map(keyOf))) {
          for (const other of groups.filter(waiting)) expect(load(picked) - 1).toBeLessThanOrEqual(load(other));
        }
      }),
    );
  });
});
