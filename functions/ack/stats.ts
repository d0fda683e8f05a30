import type { StatsStore } from '../adapters/stats-store.ts';
import type { AckAttempt } from '../core/ack.ts';
import type { SignatureBurst } from '../core/alerts.ts';
import { refusedAttribute, signatureAlertThreshold, signatureRefusal, type Attempt, type Increment } from '../core/stats.ts';
import { failureReason, failureStatus } from '../shared/http.ts';
import { bestEffort } from '../shared/stats-writes.ts';

export interface AckStatsDependencies {
  readonly store: Pick<StatsStore, 'recordAttempt' | 'add'>;
  /** Tells the operators (the alarm topic); it is called once per endpoint and hour. */
  onSignatureBurst(burst: SignatureBurst): Promise<void>;
  /** Told when the alert could not be published: the request is unaffected. */
  onAlertFailed(error: unknown): void;
}

/** The attempt as `recent` lists it, with the reason and status the answer's metric and response carry (shared/http.ts). */
export const attemptOf = ({ endpoint, requestId, at, bytes, latencyMs, answer }: AckAttempt): Attempt => {
  const { tenantId, endpointId, provider } = endpoint;
  const about = { at, requestId, tenantId, endpointId, provider, bytes, latencyMs };
  if ('acked' in answer) return { ...about, outcome: 'acked', statusCode: answer.acked.statusCode };
  return { ...about, outcome: 'refused', reason: failureReason(answer.refused), statusCode: failureStatus(answer.refused, answer.replayStatus) };
};

/** What the request adds to its endpoint's hour: received, and acked or its refusal's reason. */
export const incrementOf = (attempt: AckAttempt, { reason }: Attempt): Increment => {
  const { tenantId, endpointId, provider } = attempt.endpoint;
  const bucket = { tenantId, endpointId, provider, at: attempt.at };
  if (reason === undefined) return { ...bucket, counts: { received: 1, acked: 1 } };
  // A failed enqueue was counted received and acked already: it moves from acked to its refusal.
  return { ...bucket, counts: attempt.supersedesAcked ? { acked: -1 } : { received: 1 }, refused: { [reason]: 1 } };
};

/**
 * The ack's record of a request to a known endpoint: its attempt and its counts, two writes side
 * by side, each best effort. The refusal's ADD answers the bucket's new count of bad signatures,
 * and the one request that makes it reach the threshold raises the alert.
 */
export const ackStatsRecorder =
  (deps: AckStatsDependencies) =>
  async (ackAttempt: AckAttempt): Promise<void> => {
    const attempt = attemptOf(ackAttempt);
    const [, added] = await Promise.all([
      bestEffort('ack', () => deps.store.recordAttempt(attempt)),
      bestEffort('ack', () => deps.store.add([incrementOf(ackAttempt, attempt)])),
    ]);
    const failures = added?.[0]?.values[refusedAttribute(signatureRefusal)];
    if (attempt.reason !== signatureRefusal || failures !== signatureAlertThreshold) return;
    try {
      await deps.onSignatureBurst({ tenantId: attempt.tenantId, endpointId: attempt.endpointId, provider: attempt.provider, failures });
    } catch (error) {
      deps.onAlertFailed(error);
    }
  };
