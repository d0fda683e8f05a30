import * as z from 'zod/mini';
import { envelopeSchema, type Envelope } from './envelope.ts';
import { PermanentError } from './errors.ts';
import { processEnvelope, type ProcessDependencies, type ProcessedEvent } from './process.ts';
import { maxQuarantinedRawBytes, type QuarantineRecord } from './items.ts';
import { partsOf, RequestTooLarge } from './request-parts.ts';

export interface QueuedRequestDependencies extends ProcessDependencies {
  quarantine(record: QuarantineRecord): Promise<void>;
  /** Keeps the request as received, for audit and replay; the same key on a redelivery. */
  archive(key: string, envelope: string): Promise<void>;
}

/** The queued body as a quarantine record keeps it: inline when it fits an item, else by its archive key. */
const keptBody = (body: string, envelope: Envelope | undefined): Pick<QuarantineRecord, 'raw' | 'archiveKey' | 'rawTruncated' | 'rawBytes'> => {
  const rawBytes = Buffer.byteLength(body);
  if (rawBytes <= maxQuarantinedRawBytes) return { raw: body, rawBytes };
  if (envelope) return { archiveKey: archiveKeyFor(envelope), rawBytes };
  return { raw: Buffer.from(body).subarray(0, maxQuarantinedRawBytes).toString('utf8'), rawTruncated: true, rawBytes };
};

/** By day, so a lifecycle rule expires them and an operator finds a day's requests. */
export const archiveKeyFor = (envelope: Pick<Envelope, 'receivedAt' | 'requestId'>): string => `archive/${envelope.receivedAt.slice(0, 10)}/${envelope.requestId}.json`;

export type QueuedRequestOutcome =
  /** `envelope` when the body was one: what the processor counts the request under. */
  | { readonly quarantined: string; readonly requestId?: string; readonly envelope?: Envelope }
  | {
      readonly stored: ProcessedEvent[];
      readonly envelope: Envelope;
      /**
       * The request had more events than one record stores (request-parts.ts): nothing was
       * stored, and the caller queues these parts, which store it all between them.
       */
      readonly parts?: Envelope[];
    };

const parseEnvelope = (body: string) => {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    // JSON.parse's message quotes the input, which may be a customer's message: keep it out of the reason.
    throw new PermanentError('not a Switchboard envelope: the queued body is not JSON');
  }
  const parsed = envelopeSchema.safeParse(json);
  if (!parsed.success) throw new PermanentError(`not a Switchboard envelope: ${z.prettifyError(parsed.error)}`);
  return parsed.data;
};

/**
 * One queue record, start to end. A request that can never be processed is quarantined (and
 * the record succeeds, so it is not retried); anything else that fails is thrown, so the
 * queue redelivers the record and, after maxReceiveCount, moves it to the DLQ. A request
 * too large for one record comes back as parts to queue.
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
    // A part's request was archived whole by the record that split it, under the same key.
    if (!envelope.part) await deps.archive(archiveKeyFor(envelope), body);
    return { stored: await processEnvelope(envelope, deps), envelope };
  } catch (error) {
    if (error instanceof RequestTooLarge && envelope) return { stored: [], parts: partsOf(envelope, error.eventCount), envelope };
    if (!(error instanceof PermanentError)) throw error;
    await deps.quarantine({
      id: recordId,
      reason: error.message,
      ...keptBody(body, envelope),
      ...(envelope && { tenantId: envelope.tenantId, requestId: envelope.requestId }),
      quarantinedAt: deps.now().toISOString(),
    });
    return { quarantined: error.message, ...(envelope && { requestId: envelope.requestId, envelope }) };
  }
};
