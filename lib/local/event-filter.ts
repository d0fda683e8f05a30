import type { FilterPattern } from '../definitions/functions.ts';

/** Whether a record passes a Lambda event filter: every leaf of the pattern matches. */

export const matchesFilter = (record: unknown, pattern: FilterPattern): boolean =>
  Object.entries(pattern).every(([key, expected]) => {
    const value = typeof record === 'object' && record !== null ? (record as Record<string, unknown>)[key] : undefined;
    if (Array.isArray(expected)) {
      return expected.some((allowed) => allowed === value);
    }
    return matchesFilter(value, expected as FilterPattern);
  });
