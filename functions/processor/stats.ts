import type { AttemptSettlement, StatsStore } from '../adapters/stats-store.ts';
import type { Envelope } from '../core/envelope.ts';
import type { ProcessedEvent } from '../core/process.ts';
import type { Attempt, Increment } from '../core/stats.ts';
import { bestEffort } from '../shared/stats-writes.ts';

/** What the stats count a queued request under: its envelope's request, endpoint and tenant (the ack took the tenant from the endpoint record). */
export type RecordAbout = Pick<Envelope, 'requestId' | 'tenantId' | 'provider' | 'endpointId' | 'receivedAt' | 'part'>;

/**
 * A request queued again in parts is one request: only its first part (or the whole) counts
 * it as processed, quarantined or failed and settles its attempt; every part counts its lags.
 */
const countsTheRequest = (about: RecordAbout) => about.part === undefined || about.part.start === 0;

/** A batch's counts and attempt outcomes, written once the batch is done. */
export class BatchTally {
  readonly increments: Increment[] = [];
  readonly settlements: { key: Pick<Attempt, 'tenantId' | 'at' | 'requestId'>; settlement: AttemptSettlement }[] = [];

  /** A request whose events were stored (or were duplicates: it was processed all the same). */
  stored(about: RecordAbout, processed: readonly ProcessedEvent[], now: Date): void {
    const receivedToStored: number[] = [];
    const providerToReceived: number[] = [];
    for (const event of processed) {
      if (event.kind !== 'message' || event.outcome !== 'stored') continue;
      receivedToStored.push(Date.parse(event.message.storedAt) - Date.parse(event.message.receivedAt));
      if (event.message.providerTimestamp) providerToReceived.push(Date.parse(event.message.receivedAt) - Date.parse(event.message.providerTimestamp));
    }
    const whole = countsTheRequest(about);
    this.increments.push({ ...bucketOf(about), ...(whole && { counts: { processed: 1 } }), lags: { receivedToStored, providerToReceived } });
    // The lag its messages were stored at, as the histogram counts it; a request of statuses or duplicates only, when it was done.
    const storedLagMs = receivedToStored.length > 0 ? Math.max(...receivedToStored) : Math.max(0, now.getTime() - Date.parse(about.receivedAt));
    if (whole) this.settle(about, { outcome: 'stored', storedLagMs });
  }

  quarantined(about: RecordAbout, reason: string): void {
    if (!countsTheRequest(about)) return;
    this.increments.push({ ...bucketOf(about), counts: { quarantined: 1 } });
    this.settle(about, { outcome: 'quarantined', reason: shortReason(reason) });
  }

  /** A record that failed on its last receive: the queue moves it to the DLQ. */
  failed(about: RecordAbout, reason: string): void {
    if (!countsTheRequest(about)) return;
    this.increments.push({ ...bucketOf(about), counts: { failed: 1 } });
    this.settle(about, { outcome: 'failed', reason: shortReason(reason) });
  }

  /** One ADD per endpoint and hour, and one conditional update per attempt, side by side, each best effort. */
  async write(store: Pick<StatsStore, 'add' | 'settleAttempt'>): Promise<void> {
    await Promise.all([
      this.increments.length > 0 && bestEffort('processor', () => store.add(this.increments)),
      ...this.settlements.map(({ key, settlement }) => bestEffort('processor', () => store.settleAttempt(key, settlement))),
    ]);
  }

  private settle(about: RecordAbout, settlement: AttemptSettlement): void {
    this.settlements.push({ key: { tenantId: about.tenantId, at: about.receivedAt, requestId: about.requestId }, settlement });
  }
}

const bucketOf = ({ tenantId, provider, endpointId, receivedAt }: RecordAbout) => ({ tenantId, provider, endpointId, at: receivedAt });

/** `recent` shows the reason on one line: the quarantine's or the failure's own words, cut short. */
const maxReasonLength = 200;
const shortReason = (reason: string): string => (reason.length > maxReasonLength ? `${reason.slice(0, maxReasonLength)}…` : reason);
