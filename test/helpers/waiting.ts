import { setTimeout as sleep } from 'node:timers/promises';

/** The first value `check` gives that is not undefined, polling; rejects naming `what` at the deadline. */
export const eventually = async <Value>(what: string, check: () => Promise<Value | undefined> | Value | undefined, timeoutMs = 30_000): Promise<Value> => {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(200);
  }
};

/** Resolves once `condition` holds, polling; rejects naming `what` when it still does not at the deadline. */
export const waitUntil = async (condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 30_000): Promise<void> => {
  await eventually(what, async () => ((await condition()) ? true : undefined), timeoutMs);
};
