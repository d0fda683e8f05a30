import { describe, expect, it } from 'vitest';
import { checkHealth, type QueueDepth } from '../../../functions/core/health.ts';

/** The report GET /health answers, from the queues' figures. */

const empty: QueueDepth = { visible: 0, inFlight: 0, delayed: 0 };
const reportWith = (deadLetter: QueueDepth) =>
  checkHealth({
    depthOf: async (queue) => (queue === 'deadLetter' ? deadLetter : { visible: 4, inFlight: 1, delayed: 0 }),
    oldestIngestMessageAgeSeconds: async () => 2,
    now: () => new Date('2026-11-22T12:00:00.000Z'),
  });

describe('checkHealth', () => {
  it('is ok, with no reasons, while the DLQ is empty, whatever the ingest backlog', async () => {
    expect(await reportWith(empty)).toEqual({
      status: 'ok',
      reasons: [],
      checkedAt: '2026-11-22T12:00:00.000Z',
      ingestQueue: { visible: 4, inFlight: 1, delayed: 0, oldestMessageAgeSeconds: 2 },
      deadLetterQueue: empty,
    });
  });

  it.each([
    [{ visible: 3, inFlight: 0, delayed: 0 }, '3 requests'],
    [{ visible: 0, inFlight: 1, delayed: 0 }, '1 request'],
    [{ visible: 1, inFlight: 1, delayed: 1 }, '3 requests'],
  ])('is degraded while the DLQ holds anything (%j), saying how many and what to run', async (deadLetter, count) => {
    const report = await reportWith(deadLetter);

    expect(report.status).toBe('degraded');
    expect(report.reasons).toEqual([`${count} in the DLQ: \`switchboard dlq list\` shows why each failed, \`switchboard dlq redrive\` retries them`]);
    expect(report.deadLetterQueue).toEqual(deadLetter);
  });
});
