import type { StatsStore } from '../adapters/stats-store.ts';
import type { AckAttempt } from '../core/ack.ts';
import type { SignatureBurst } from '../core/alerts.ts';
import { maxRefusedAttemptsPerHour, refusedAttribute, signatureAlertThreshold, signatureRefusal, type Attempt, type Increment } from '../core/stats.ts';
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
 * Whether a refusal's attempt is kept, given its reason's count in the bucket after the ADD
 * (undefined when the ADD failed): within maxRefusedAttemptsPerHour, or when it replaces the
 * acked attempt of its own request (a failed enqueue), which must not stay `acked`.
 */
const keepsRefusedAttempt = (ackAttempt: AckAttempt, refusals: number | undefined): boolean =>
  ackAttempt.supersedesAcked === true || refusals === undefined || refusals <= maxRefusedAttemptsPerHour;

/**
 * The ack's record of a request to a known endpoint, each write best effort. An acked request's
 * attempt and counts are two writes side by side. A refusal's ADD comes first: it answers the
 * hour's count of its reason, which decides whether its attempt is kept, and the one request
 * that makes the bad signatures reach the threshold raises the alert.
 */
export const ackStatsRecorder =
  (deps: AckStatsDependencies) =>
  async (ackAttempt: AckAttempt): Promise<void> => {
    const attempt = attemptOf(ackAttempt);
    const add = () => bestEffort('ack', () => deps.store.add([incrementOf(ackAttempt, attempt)]));
    const record = () => bestEffort('ack', () => deps.store.recordAttempt(attempt));
    if (attempt.reason === undefined) {
      await Promise.all([record(), add()]);
      return;
    }
    const refusals = (await add())?.[0]?.values[refusedAttribute(attempt.reason)];
    if (keepsRefusedAttempt(ackAttempt, refusals)) await record();
    if (attempt.reason !== signatureRefusal || refusals !== signatureAlertThreshold) return;
    try {
      await deps.onSignatureBurst({ tenantId: attempt.tenantId, endpointId: attempt.endpointId, provider: attempt.provider, failures: refusals });
    } catch (error) {
      deps.onAlertFailed(error);
    }
  };
