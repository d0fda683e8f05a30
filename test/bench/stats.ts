/** Percentiles of a set of samples, by the nearest-rank method: every figure is a sample that was observed. */

export interface Summary {
  readonly count: number;
  readonly min: number;
  readonly mean: number;
  readonly p50: number;
  readonly p95: number;
  readonly p99: number;
  readonly max: number;
}

/** The p-th percentile (0 < p ≤ 100) of samples sorted ascending; NaN when there are none. */
export const percentile = (sorted: readonly number[], p: number): number => {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1] as number;
};

export const summarize = (samples: Iterable<number>): Summary => {
  const sorted = Array.from(Float64Array.from(samples).sort());
  const sum = sorted.reduce((total, value) => total + value, 0);
  return {
    count: sorted.length,
    min: sorted[0] ?? Number.NaN,
    mean: sorted.length ? sum / sorted.length : Number.NaN,
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
    max: sorted[sorted.length - 1] ?? Number.NaN,
  };
};

export const median = (samples: Iterable<number>): number => percentile(Array.from(Float64Array.from(samples).sort()), 50);

/** Rounds for reports: three significant digits are all a benchmark on a shared machine can claim. */
export const round = (value: number, digits = 3): number => (Number.isFinite(value) ? Number(value.toPrecision(digits)) : value);
