import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Settles as `running` does, or rejects with `timedOut()` after `ms`, whichever comes first.
 * A promise cannot be stopped: `running` goes on, and whatever it returns or throws after
 * that is ignored (never an unhandled rejection).
 */
export const settleWithin = async <Result>(running: Promise<Result>, ms: number, timedOut: () => Error): Promise<Result> => {
  running.catch(() => undefined);
  const timer = new AbortController();
  const deadline = sleep(ms, undefined, { signal: timer.signal }).then(() => {
    throw timedOut();
  });
  deadline.catch(() => undefined);
  try {
    return await Promise.race([running, deadline]);
  } finally {
    timer.abort();
  }
};
