/**
 * `load` called at most once per `maxAgeMs`: every call in between shares its promise, while it
 * is pending too, so calls that arrive together cost one load. A failure is not kept: the next
 * call loads again.
 *
 * @param now milliseconds since the epoch; the tests' clock
 */
export const cachedFor = <T>(maxAgeMs: number, load: () => Promise<T>, now: () => number = () => Date.now()): (() => Promise<T>) => {
  let cached: { value: Promise<T>; loadedAt: number } | undefined;
  return () => {
    if (cached && now() - cached.loadedAt < maxAgeMs) return cached.value;
    const entry = {
      value: load().catch((error: unknown) => {
        if (cached === entry) cached = undefined;
        throw error;
      }),
      loadedAt: now(),
    };
    cached = entry;
    return entry.value;
  };
};
