import { serializeFrame, type Frame } from './frames.ts';

export interface BroadcastDependencies {
  connectionsOf(tenantId: string): Promise<readonly string[]>;
  /** 'gone' when the connection no longer exists at the gateway. */
  send(connectionId: string, payload: string): Promise<'sent' | 'gone'>;
  forget(connectionId: string): Promise<void>;
}

export interface BroadcastResult {
  readonly sent: number;
  readonly gone: number;
  /** Connections that failed for another reason; they do not hold the stream back. */
  readonly failed: readonly { readonly connectionId: string; readonly error: unknown }[];
}

/**
 * Sends a frame to every connection of its tenant, concurrently. A gone connection is
 * forgotten; any other failure of one client is reported, not thrown, so one bad client
 * never stops the others or the stream.
 */
export const broadcast = async (frame: Frame, deps: BroadcastDependencies): Promise<BroadcastResult> => {
  const payload = serializeFrame(frame);
  const connectionIds = await deps.connectionsOf(frame.tenantId);
  const outcomes = await Promise.allSettled(
    connectionIds.map(async (connectionId) => {
      const outcome = await deps.send(connectionId, payload);
      if (outcome === 'gone') await deps.forget(connectionId);
      return outcome;
    }),
  );
  const failed = outcomes.flatMap((outcome, index) =>
    outcome.status === 'rejected' ? [{ connectionId: connectionIds[index] as string, error: outcome.reason }] : [],
  );
  const delivered = outcomes.flatMap((outcome) => (outcome.status === 'fulfilled' ? [outcome.value] : []));
  return { sent: delivered.filter((o) => o === 'sent').length, gone: delivered.filter((o) => o === 'gone').length, failed };
};
