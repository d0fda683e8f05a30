import type { ScheduledEvent } from 'aws-lambda';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { scheduledEvent, startSchedulePoller } from '../../../lib/local/schedule-poller.ts';

describe('startSchedulePoller', () => {
  it('invokes the function every interval with an EventBridge scheduled event, and not after stop', async () => {
    // Prepare
    const events: ScheduledEvent[] = [];
    const poller = startSchedulePoller({ functionName: 'reconciler', handler: async (event) => void events.push(event), intervalMs: 20, timeoutSeconds: 1 });

    // Act
    await sleep(150);
    await poller.stop();
    const atStop = events.length;
    await sleep(60);

    // Assess
    expect(atStop).toBeGreaterThanOrEqual(3);
    expect(events).toHaveLength(atStop);
    expect(events[0]).toMatchObject({ source: 'aws.events', 'detail-type': 'Scheduled Event', detail: {} });
    expect(new Set(events.map((event) => event.id)).size).toBe(events.length);
  });

  it('never overlaps runs: the next starts an interval after the previous one ends', async () => {
    // Prepare
    let running = 0;
    let mostAtOnce = 0;
    const poller = startSchedulePoller({
      functionName: 'reconciler',
      handler: async () => {
        running += 1;
        mostAtOnce = Math.max(mostAtOnce, running);
        await sleep(40);
        running -= 1;
      },
      intervalMs: 5,
      timeoutSeconds: 1,
    });

    // Act
    await sleep(150);
    await poller.stop();

    // Assess
    expect(mostAtOnce).toBe(1);
  });

  it('goes on after a run that throws or outlives its timeout, telling onError of each', async () => {
    // Prepare
    const errors: unknown[] = [];
    let runs = 0;
    const poller = startSchedulePoller({
      functionName: 'reconciler',
      handler: async () => {
        runs += 1;
        if (runs === 1) throw new Error('the provider is down');
        if (runs === 2) await sleep(1_500);
      },
      intervalMs: 10,
      timeoutSeconds: 1,
      onError: (error) => errors.push(error),
    });

    // Act
    await sleep(1_300);
    await poller.stop();

    // Assess
    expect(errors.map((error) => (error as Error).name)).toEqual(['Error', 'InvocationTimedOut']);
    expect(runs).toBeGreaterThanOrEqual(3);
  });
});

describe('scheduledEvent', () => {
  it('stamps the time to the second, as EventBridge does', () => {
    // Act
    const event = scheduledEvent('reconciler', new Date('2026-01-02T03:04:05.678Z'));

    // Assess
    expect(event.time).toBe('2026-01-02T03:04:05Z');
    expect(event.resources).toEqual([expect.stringContaining(':rule/reconciler')]);
  });
});
