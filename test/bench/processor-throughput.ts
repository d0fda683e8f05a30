import { createMessageStore } from '../../functions/adapters/message-store.ts';
import { acknowledge, webhookUrl } from '../../functions/core/ack.ts';
import type { Endpoint } from '../../functions/core/endpoint.ts';
import type { Envelope } from '../../functions/core/envelope.ts';
import { handleQueuedRequest } from '../../functions/core/queued-request.ts';
import { maxWebhookBodyBytes } from '../../lib/definitions/pipeline.ts';
import { findEdge, loadProvider } from '../../functions/providers/registry.ts';
import type { Provider, SampleRequest } from '../../functions/providers/types.ts';
import { startDynamoDb } from '../helpers/services.ts';
import { countStoredMessages } from './messages.ts';
import { round } from './stats.ts';

/**
 * The processor's core on DynamoDB Local: the real message store and `handleQueuedRequest`,
 * fed envelopes made by `acknowledge()` itself, in batches of 10 with several batches in
 * flight as Lambda runs them, and a share of provider retries (the same message again).
 */

export interface ProcessorOptions {
  readonly records?: number;
  readonly duplicateShare?: number;
  readonly batchSize?: number;
  readonly concurrentBatches?: number;
  /** Distinct customers the messages come from: how many conversations they thread into. */
  readonly customers?: number;
  readonly warmupRecords?: number;
  /** Times a failed record is handed back, as SQS would redeliver it, before the run fails. */
  readonly maxReceives?: number;
  /** Stops DynamoDB Local when the caller gives up on this measurement. */
  readonly signal?: AbortSignal;
}

export interface ProcessorResult {
  readonly records: number;
  readonly distinctMessages: number;
  readonly duplicateRecords: number;
  readonly customers: number;
  readonly batchSize: number;
  readonly concurrentBatches: number;
  readonly seconds: number;
  readonly recordsPerSecond: number;
  readonly storedOutcomes: number;
  readonly duplicateOutcomes: number;
  readonly quarantined: number;
  /** Records that threw (e.g. a transaction conflict past its retries) and were processed again. */
  readonly redeliveries: number;
  readonly storedCount: number;
  readonly storedCountMatches: boolean;
  readonly warmupRecords: number;
}

const publicBaseUrl = 'https://hooks.example.com';
const secret = 'bench-processor-secret';

/** Deterministic shuffling, so two runs see the same order. */
const random = (seed: number) => () => {
  seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
  return seed / 2 ** 31;
};

/** The queued bodies of `distinct` messages plus `duplicates` provider retries of some of them, in arrival order. */
export const buildQueueBodies = async (provider: Provider, tenantId: string, distinct: number, duplicates: number, customers: number, seed = 1) => {
  const endpoint: Endpoint = { endpointId: `ep_bench_${tenantId}`, provider: provider.name, tenantId, secrets: [secret], createdAt: new Date().toISOString() };
  const url = webhookUrl(publicBaseUrl, provider.name, endpoint.endpointId);
  const next = random(seed);
  const samples: SampleRequest[] = Array.from({ length: distinct }, (_, i) =>
    provider.sample({ url, secret, text: `Order #${100_000 + i}: has it shipped yet?`, from: `+1415${String(5_550_000 + (i % customers)).padStart(7, '0')}` }),
  );
  // A retry comes some time after its original: anywhere later in the stream, sometimes right next to it.
  const order: SampleRequest[] = [...samples];
  for (let i = 0; i < duplicates; i++) {
    const original = Math.floor(next() * distinct);
    const at = original + 1 + Math.floor(next() * (order.length - original));
    order.splice(Math.min(at, order.length), 0, samples[original] as SampleRequest);
  }
  const bodies: string[] = [];
  for (const [i, sample] of order.entries()) {
    let envelope: Envelope | undefined;
    await acknowledge(
      { provider: provider.name, endpointId: endpoint.endpointId, search: '', headers: sample.headers, body: Buffer.from(sample.body), requestId: `req-${seed}-${i}` },
      { findEdge, findEndpoint: async () => endpoint, enqueue: async (queued) => void (envelope = queued), publicBaseUrl, maxBodyBytes: maxWebhookBodyBytes, now: () => new Date(), claimNonce: async () => true, releaseNonce: async () => {}, storeBody: async () => {}, maxInlineBodyBytes: maxWebhookBodyBytes },
    );
    if (!envelope) throw new Error('acknowledge() did not enqueue a signed sample');
    bodies.push(JSON.stringify(envelope));
  }
  return bodies;
};

export const measureProcessorThroughput = async (options: ProcessorOptions = {}): Promise<ProcessorResult> => {
  const records = options.records ?? 3000;
  const duplicateShare = options.duplicateShare ?? 0.1;
  const batchSize = options.batchSize ?? 10;
  const concurrentBatches = options.concurrentBatches ?? 8;
  const customers = options.customers ?? 300;
  const warmupRecords = options.warmupRecords ?? 300;
  const maxReceives = options.maxReceives ?? 5;
  const provider = await loadProvider('twilio');
  if (!provider) throw new Error('the twilio provider is not registered');

  const duplicateRecords = Math.round(records * duplicateShare);
  const distinct = records - duplicateRecords;
  const tenantId = 'bench-processor';
  const bodies = await buildQueueBodies(provider, tenantId, distinct, duplicateRecords, customers);
  const warmupBodies = await buildQueueBodies(provider, 'bench-warmup', warmupRecords, 0, customers, 2);

  const dynamo = await startDynamoDb();
  const abandon = () => void dynamo.stop();
  options.signal?.addEventListener('abort', abandon, { once: true });
  try {
    const store = createMessageStore(dynamo.documentClient, dynamo.tables.Messages);
    const dependencies = {
      ...store,
      loadProvider,
      now: () => new Date(),
      fetchBody: async () => Promise.reject(new Error('every bench body is inline')),
      // DESIGN §9 measures the processor on DynamoDB Local; the archive's S3 PUT is not in this figure.
      archive: async () => {},
    };
    const outcomes = { stored: 0, duplicate: 0, quarantined: 0, redeliveries: 0, events: 0 };

    /** Lambda's part: batches off a shared queue, `concurrentBatches` at a time, each batch's records in parallel. */
    const drain = async (queue: { body: string; id: string; receives: number }[], count: boolean) => {
      const worker = async () => {
        for (let guard = 0; guard < 1_000_000 && queue.length > 0; guard++) {
          const batch = queue.splice(0, batchSize);
          const settled = await Promise.allSettled(batch.map((record) => handleQueuedRequest(record.body, record.id, dependencies)));
          for (const [i, result] of settled.entries()) {
            const record = batch[i] as (typeof batch)[number];
            if (result.status === 'rejected') {
              if (record.receives + 1 >= maxReceives) throw new Error(`record ${record.id} failed ${maxReceives} times`, { cause: result.reason });
              if (count) outcomes.redeliveries++;
              queue.push({ ...record, receives: record.receives + 1 });
            } else if (count) {
              if ('quarantined' in result.value) outcomes.quarantined++;
              else for (const processed of result.value.stored) outcomes[processed.kind === 'message' ? processed.outcome : 'events']++;
            }
          }
        }
      };
      await Promise.all(Array.from({ length: concurrentBatches }, worker));
    };

    await drain(warmupBodies.map((body, i) => ({ body, id: `warmup-${i}`, receives: 0 })), false);
    const start = performance.now();
    await drain(bodies.map((body, i) => ({ body, id: `sqs-${i}`, receives: 0 })), true);
    const seconds = (performance.now() - start) / 1000;
    const storedCount = await countStoredMessages(dynamo.client, dynamo.tables.Messages, tenantId);
    return {
      records,
      distinctMessages: distinct,
      duplicateRecords,
      customers,
      batchSize,
      concurrentBatches,
      seconds: round(seconds),
      recordsPerSecond: round(records / seconds),
      storedOutcomes: outcomes.stored,
      duplicateOutcomes: outcomes.duplicate,
      quarantined: outcomes.quarantined,
      redeliveries: outcomes.redeliveries,
      storedCount,
      storedCountMatches: storedCount === distinct,
      warmupRecords,
    };
  } finally {
    options.signal?.removeEventListener('abort', abandon);
    await dynamo.stop();
  }
};
