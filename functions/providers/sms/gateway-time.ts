import * as z from 'zod/mini';

const isoWithZone = z.iso.datetime({ offset: true });

// Unix seconds run past 1e11 only in the year 5138, and milliseconds stay under it only until
// 1973: below it a number is seconds, above it milliseconds.
const millisecondsFrom = 1e11;

/**
 * A gateway's time as ISO 8601 in UTC, from unix seconds or milliseconds or ISO 8601 with a
 * zone. A time without a zone ("2025-01-20 10:14:50") is the phone's local time, which nothing
 * in the request names: it is left out rather than guessed.
 */
export const gatewayTime = (value: unknown): string | undefined => {
  if (typeof value === 'number' || (typeof value === 'string' && /^\d{1,15}$/.test(value))) {
    const epoch = Number(value);
    const date = new Date(Math.abs(epoch) < millisecondsFrom ? epoch * 1000 : epoch);
    return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
  }
  return isoWithZone.safeParse(value).success ? new Date(String(value)).toISOString() : undefined;
};
