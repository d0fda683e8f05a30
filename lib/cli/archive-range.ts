import * as z from 'zod/mini';
import { UsageError } from './usage-error.ts';

/** A span of receipt times, `from` included, `to` not. */
export interface ArchiveRange {
  readonly from: Date;
  readonly to: Date;
}

/**
 * The widest range a search or replay takes: the archive keeps 30 days (the stack's
 * archiveRetentionDays), and a day more lets a range start at the oldest day's midnight.
 */
export const maxRangeDays = 31;

const dayMs = 24 * 60 * 60 * 1000;

// A time must say its zone: one without would be read in the terminal's, and select other requests on another machine.
const isoDateTime = z.iso.datetime({ offset: true });
const isoDate = z.iso.date();

const parseTime = (flag: string, value: string): Date => {
  if (isoDate.safeParse(value).success) return new Date(`${value}T00:00:00.000Z`);
  if (isoDateTime.safeParse(value).success) return new Date(value);
  throw new UsageError(`--${flag} ${JSON.stringify(value)} is not a time: give an ISO 8601 time with its zone, such as 2026-12-03T09:30:00Z, or a date, such as 2026-12-03 (its midnight UTC)`);
};

/** The range `--from` and `--to` name, or a UsageError saying why they name none the archive can answer. */
export const parseArchiveRange = (from: string, to: string): ArchiveRange => {
  const range = { from: parseTime('from', from), to: parseTime('to', to) };
  if (range.from >= range.to) throw new UsageError(`--from must be before --to: the range holds requests received from --from up to, not including, --to`);
  if (range.to.getTime() - range.from.getTime() > maxRangeDays * dayMs) {
    throw new UsageError(`the range is longer than ${maxRangeDays} days: the archive keeps 30 days, so search it a month at most at a time`);
  }
  return range;
};

/** The archive's days (`archive/<day>/`, UTC, as receivedAt starts) that hold requests received in the range. */
export const daysOf = ({ from, to }: ArchiveRange): string[] => {
  const days: string[] = [];
  const last = new Date(to.getTime() - 1).toISOString().slice(0, 10);
  for (let day = new Date(from.toISOString().slice(0, 10)); ; day = new Date(day.getTime() + dayMs)) {
    const name = day.toISOString().slice(0, 10);
    days.push(name);
    if (name >= last) return days;
  }
};

export const receivedIn = ({ from, to }: ArchiveRange, receivedAt: string): boolean => {
  const at = Date.parse(receivedAt);
  return at >= from.getTime() && at < to.getTime();
};
