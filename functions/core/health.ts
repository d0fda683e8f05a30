/** What GET /health reports: the pipeline is up, and how far behind it is. */

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
