import { envelopeSchema } from './envelope.ts';
import { PermanentError } from './errors.ts';
import { processEnvelope, type ProcessDependencies, type StoreOutcome } from './process.ts';
import type { QuarantineRecord } from './items.ts';

export interface QueuedRequestDependencies extends ProcessDependencies {
  quarantine(record: QuarantineRecord): Promise<void>;
}

export type QueuedRequestOutcome = { readonly quarantined: string } | { readonly stored: StoreOutcome[] };

const parseEnvelope = (body: string) => {
  try {
    return envelopeSchema.parse(JSON.parse(body));
  } catch (error) {
    throw new PermanentError(`not a Switchboard envelope: ${error instanceof Error ? error.message : String(error)}`);
  }
};

/**
 * One queue record, start to end. A request that can never be processed is quarantined (and
 * the record succeeds, so it is not retried); anything else that fails is thrown, so the
 * queue redelivers the record and, after maxReceiveCount, moves it to the DLQ.
 * `recordId` is the queue's id for the record, so quarantining a redelivery overwrites, not doubles.
 */
export const handleQueuedRequest = async (
  body: string,
  recordId: string,
  deps: QueuedRequestDependencies,
): Promise<QueuedRequestOutcome> => {
  let envelope;
  try {
    envelope = parseEnvelope(body);
    return { stored: await processEnvelope(envelope, deps) };
  } catch (error) {
    if (!(error instanceof PermanentError)) throw error;
    await deps.quarantine({
      id: recordId,
      reason: error.message,
      raw: body,
      ...(envelope && { tenantId: envelope.tenantId, requestId: envelope.requestId }),
      quarantinedAt: deps.now().toISOString(),
    });
    return { quarantined: error.message };
  }
};
