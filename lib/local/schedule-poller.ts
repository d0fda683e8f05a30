import type { ScheduledEvent } from 'aws-lambda';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { localRegion } from './aws.ts';
import { invokeWithTimeout, type LambdaHandler } from './lambda-context.ts';

export interface SchedulePollerOptions {
  readonly functionName: string;
  readonly handler: LambdaHandler<ScheduledEvent, unknown>;
  /** The time between the end of one run and the start of the next: the schedule's rate, or less in a test. */
  readonly intervalMs: number;
  readonly timeoutSeconds: number;
  onError?(error: unknown): void;
}

/** The event an EventBridge schedule rule hands its target. https://docs.aws.amazon.com/eventbridge/latest/ref/events-ref-scheduled.html */
export const scheduledEvent = (functionName: string, time: Date): ScheduledEvent => ({
  version: '0',
  id: randomUUID(),
  'detail-type': 'Scheduled Event',
  source: 'aws.events',
  account: '000000000000',
  time: time.toISOString().replace(/\.\d{3}Z$/, 'Z'),
  region: localRegion,
  resources: [`arn:aws:events:${localRegion}:000000000000:rule/${functionName}-schedule`],
  detail: {},
});

/**
 * Plays an EventBridge schedule rule: invokes the function every `intervalMs`, stopped at its
 * timeout as Lambda would. Locally one run never overlaps the next (the interval counts from
 * a run's end), so a slow run on a laptop cannot pile up runs behind it; a failed run is told
 * to onError and the schedule goes on, as EventBridge's would.
 */
export const startSchedulePoller = (options: SchedulePollerOptions) => {
  const stopping = new AbortController();
  const loop = (async () => {
    while (!stopping.signal.aborted) {
      try {
        await sleep(options.intervalMs, undefined, { signal: stopping.signal });
      } catch {
        return;
      }
      await invokeWithTimeout(options.handler, scheduledEvent(options.functionName, new Date()), {
        functionName: options.functionName,
        timeoutSeconds: options.timeoutSeconds,
        consequence: 'the next scheduled run tries again',
      }).catch((error: unknown) => options.onError?.(error));
    }
  })();
  return {
    async stop(): Promise<void> {
      stopping.abort();
      await loop;
    },
  };
};
