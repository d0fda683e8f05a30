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
  /**
   * `degraded` while something needs an operator though webhooks are still taken: the answer
   * stays 200, since a load balancer or uptime check reading a failed status as an outage would
   * stop sending the traffic that is still being queued.
   */
  readonly status: 'ok' | 'degraded';
  /** Why the status is `degraded`, one sentence each saying what to do; empty when `ok`. */
  readonly reasons: readonly string[];
  readonly checkedAt: string;
  readonly ingestQueue: QueueDepth & { readonly oldestMessageAgeSeconds: number | null };
  readonly deadLetterQueue: QueueDepth;
}

const messagesIn = (depth: QueueDepth): number => depth.visible + depth.inFlight + depth.delayed;

/** What needs an operator: requests that failed every retry sit in the DLQ until someone looks. */
const reasonsOf = (deadLetter: QueueDepth): string[] => {
  const dead = messagesIn(deadLetter);
  if (dead === 0) return [];
  return [`${dead} ${dead === 1 ? 'request' : 'requests'} in the DLQ: \`switchboard dlq list\` shows why each failed, \`switchboard dlq redrive\` retries them`];
};

export const checkHealth = async (deps: HealthDependencies): Promise<HealthReport> => {
  const [ingest, deadLetter, oldest] = await Promise.all([
    deps.depthOf('ingest'),
    deps.depthOf('deadLetter'),
    deps.oldestIngestMessageAgeSeconds(),
  ]);
  const reasons = reasonsOf(deadLetter);
  return {
    status: reasons.length === 0 ? 'ok' : 'degraded',
    reasons,
    checkedAt: deps.now().toISOString(),
    ingestQueue: { ...ingest, oldestMessageAgeSeconds: oldest ?? null },
    deadLetterQueue: deadLetter,
  };
};
