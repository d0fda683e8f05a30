import { emitMetric, logger, MetricUnit } from './powertools.ts';

/**
 * Counting is best effort (functions/core/stats.ts): a stats write that fails is logged, by its
 * stage and the error's name only, and counted in `StatsWriteFailed`; it never fails, retries or
 * delays the work it counts. Resolves to undefined when the write failed.
 */
export const bestEffort = async <Result>(stage: string, write: () => Promise<Result>): Promise<Result | undefined> => {
  try {
    return await write();
  } catch (error) {
    emitMetric('StatsWriteFailed', 1, MetricUnit.Count, { stage });
    logger.warn('stats write failed; the request is unaffected', { stage, errorName: error instanceof Error ? error.name : typeof error });
    return undefined;
  }
};
