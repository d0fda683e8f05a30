/** What GET /health reports: the pipeline is up, and how far behind it is. */

/**
 * How long one answer serves every GET /health: the route is anonymous and each check costs
 * three AWS calls, so a flood costs one check per period per warm instance. A probe every few
 * seconds still sees figures at most this old (SQS's own are approximate, CloudWatch's a minute old).
 */
export const healthAnswerMaxAgeMs = 5_000;

export interface QueueDepth {
  /** Waiting to be received. */
  readonly visible: number;
  /** Received by a consumer and not yet deleted. */
  readonly inFlight: number;
  readonly delayed: number;
}

export interface HealthDependencies {
  depthOf(queue: 'ingest' | 'deadLetter'): Promise<QueueDepth>;
  /** Seconds the oldest message has waited in the ingest queue; undefined when nothing is known. */
  oldestIngestMessageAgeSeconds(): Promise<number | undefined>;
  now(): Date;
}

export interface HealthReport {
  readonly status: 'ok';
  readonly checkedAt: string;
  readonly ingestQueue: QueueDepth & { readonly oldestMessageAgeSeconds: number | null };
  readonly deadLetterQueue: QueueDepth;
}

export const checkHealth = async (deps: HealthDependencies): Promise<HealthReport> => {
  const [ingest, deadLetter, oldest] = await Promise.all([
    deps.depthOf('ingest'),
    deps.depthOf('deadLetter'),
    deps.oldestIngestMessageAgeSeconds(),
  ]);
  return {
    status: 'ok',
    checkedAt: deps.now().toISOString(),
    ingestQueue: { ...ingest, oldestMessageAgeSeconds: oldest ?? null },
    deadLetterQueue: deadLetter,
  };
};
