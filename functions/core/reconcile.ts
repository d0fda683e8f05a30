import { statusRank } from './items.ts';
import type { DeliveryStatus } from './message.ts';
import type { ProviderError } from './outbound.ts';
import { sendTimings } from './send.ts';
import { openShards, type OpenMarker, type OutboundMessage } from './sending-items.ts';

/**
 * The reconciler's decisions, every few minutes, over the markers of messages not yet settled:
 * a message accepted but never queued (its queueing failed after the accept's transaction) is
 * queued; one whose record was lost mid-wait, or whose sender vanished, is queued again for
 * the sender to settle; one that reached a final state, or was sent long ago and never heard
 * of again, is let go. It never sends anything itself: the sender's claim decides that.
 */

export interface ReconcileDependencies {
  /** A page of a shard's markers older than `before`; `next` continues after it. */
  openMarkers(shard: number, before: string, limit: number, after?: string): Promise<{ markers: OpenMarker[]; next?: string }>;
  closeMarker(marker: OpenMarker): Promise<void>;
  outbound(tenantId: string, messageId: string): Promise<OutboundMessage | undefined>;
  requeue(message: Pick<OutboundMessage, 'id' | 'tenantId' | 'channel'>, delaySeconds: number): Promise<void>;
  /** Where the provider says a sent message is, when its API can tell (sender.ts ProviderSender.status). */
  providerStatus(message: OutboundMessage): Promise<{ readonly status: DeliveryStatus; readonly providerStatus: string; readonly error?: ProviderError } | undefined>;
  /** Moves a message's status forward to what the provider said, never back. */
  advanceStatus(message: OutboundMessage, status: DeliveryStatus, error: ProviderError | undefined, now: Date): Promise<void>;
  now(): Date;
  /** What is left of the run's time: a run stops taking markers when it runs short, and the next run goes on. */
  timeLeftMs?(): number;
  observe?(event: { readonly kind: 'requeued' | 'closed' | 'unconfirmed'; readonly marker: OpenMarker }): void;
}

export const reconcileTimings = {
  /** Markers younger than this are left to the sender: its record is on its way. */
  minAgeMs: 60_000,
  /** A record late by more than this past its message's due time is taken for lost. */
  lostRecordMs: 60_000,
  /** A sent message no receipt followed for this long is asked about at the provider, where its API can tell. */
  askAfterMs: 3600 * 1000,
  /** A sent message no receipt followed for this long is let go as sent. */
  unconfirmedAfterMs: 24 * 3600 * 1000,
  /** Markers read per page. */
  pageSize: 200,
  /** Markers looked at per shard per run, at most; the rest wait for the next run. */
  maxPerShard: 2_000,
  /** A run stops looking at markers with this much of its time left, to answer inside its timeout. */
  stopWithMs: 5_000,
} as const;

type Decision = 'close' | 'requeue' | 'keep' | 'ask' | 'unconfirmed';

const ageOf = (iso: string | undefined, now: number): number => (iso === undefined ? Number.POSITIVE_INFINITY : now - Date.parse(iso));

export const decide = (message: OutboundMessage | undefined, now: Date): Decision => {
  if (!message) return 'close';
  const at = now.getTime();
  const extra = message as OutboundMessage & { claimedAt?: string; unknownSince?: string; sentAt?: string };
  switch (message.sendState) {
    case 'ready':
      // A receipt got there first (the provider had taken it after all): nothing left to send.
      if (message.status === 'failed' || message.statusRank >= statusRank.sent) return 'close';
      return ageOf(message.notBefore, at) > reconcileTimings.lostRecordMs ? 'requeue' : 'keep';
    case 'claimed':
      return ageOf(extra.claimedAt, at) > sendTimings.claimLeaseMs + reconcileTimings.lostRecordMs ? 'requeue' : 'keep';
    case 'unknown':
      return ageOf(extra.unknownSince, at) > sendTimings.callbackWaitMs + reconcileTimings.lostRecordMs ? 'requeue' : 'keep';
    case 'done':
      if (message.status === 'delivered' || message.status === 'read' || message.status === 'failed') return 'close';
      {
        const age = ageOf(extra.sentAt ?? message.statusAt, at);
        if (age > reconcileTimings.unconfirmedAfterMs) return 'unconfirmed';
        return age > reconcileTimings.askAfterMs ? 'ask' : 'keep';
      }
  }
};

const finalStatuses: ReadonlySet<DeliveryStatus> = new Set(['delivered', 'read', 'failed']);

/** A sent message no callback followed: the provider's word moves it on, and a final one settles it. */
const askProvider = async (message: OutboundMessage, now: Date, deps: ReconcileDependencies): Promise<Decision> => {
  const said = await deps.providerStatus(message);
  if (!said) return 'keep';
  if (statusRank[said.status] > message.statusRank) await deps.advanceStatus(message, said.status, said.error, now);
  return finalStatuses.has(said.status) ? 'close' : 'keep';
};

/** One run over every shard of markers; answers how many messages it queued again and how many markers it closed. */
export const reconcile = async (deps: ReconcileDependencies): Promise<{ requeued: number; closed: number }> => {
  const now = deps.now();
  const before = new Date(now.getTime() - reconcileTimings.minAgeMs).toISOString();
  let requeued = 0;
  let closed = 0;
  for (let shard = 0; shard < openShards; shard++) {
    // Every page, not only the first: markers of messages sent and awaiting receipts must not hide a lost one behind them.
    let after: string | undefined;
    let seen = 0;
    do {
      const page = await deps.openMarkers(shard, before, reconcileTimings.pageSize, after);
      for (const marker of page.markers) {
        if ((deps.timeLeftMs?.() ?? Number.POSITIVE_INFINITY) < reconcileTimings.stopWithMs) return { requeued, closed };
        const message = await deps.outbound(marker.tenantId, marker.messageId);
        let decision = decide(message, now);
        if (decision === 'ask' && message) decision = await askProvider(message, now, deps);
        if (decision === 'requeue') {
          await deps.requeue({ id: marker.messageId, tenantId: marker.tenantId, channel: marker.channel }, 0);
          requeued++;
          deps.observe?.({ kind: 'requeued', marker });
        } else if (decision === 'close' || decision === 'unconfirmed') {
          await deps.closeMarker(marker);
          closed++;
          deps.observe?.({ kind: decision === 'close' ? 'closed' : 'unconfirmed', marker });
        }
      }
      seen += page.markers.length;
      after = page.next;
    } while (after !== undefined && seen < reconcileTimings.maxPerShard);
  }
  return { requeued, closed };
};
