import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createStatsStore } from '../../functions/adapters/stats-store.ts';
import { ackStatsRecorder } from '../../functions/ack/stats.ts';
import { loadProvider } from '../../functions/providers/registry.ts';
import { hotPathCases, networkTime } from './ack-hot-path.ts';
import { round, summarize } from './stats.ts';

/**
 * Issue 18: counting adds no measurable time to the ack. The ack exactly as the handler runs it,
 * with its stats recorder and the real stats store, against the same ack without them, in
 * alternating rounds of one run. Every AWS call is answered by a stubbed transport after a fixed
 * time, as an in-region call would be (SendMessage 8 ms, PutItem and UpdateItem 4 ms): the
 * ratio holds the SDK's CPU for the two extra calls and whether they wait behind the enqueue or
 * beside it. Serialized, the counted ack would take 1.5× as long; beside it, 1×.
 */

export const sqsTimeMs = 8;
export const dynamoTimeMs = 4;

export interface AckCountingResult {
  readonly provider: string;
  readonly iterations: number;
  readonly uncountedMs: { readonly p50: number; readonly p99: number };
  readonly countedMs: { readonly p50: number; readonly p99: number };
  readonly ratioP50: number;
  readonly ratioP99: number;
  /** Writes the stats store sent: two per counted request, or the measurement counted nothing. */
  readonly statsWrites: number;
}

const stubbedDynamo = () => {
  let calls = 0;
  const client = new DynamoDBClient({
    region: 'us-east-1',
    credentials: { accessKeyId: 'AKIDBENCHMARK', secretAccessKey: 'bench-secret-access-key' },
    requestHandler: {
      handle: async () => {
        calls++;
        await networkTime(dynamoTimeMs);
        const body = Buffer.from('{}');
        return {
          response: {
            statusCode: 200,
            reason: 'OK',
            headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-requestid': 'd2c6a4d5-0000-4000-8000-000000000000', 'content-length': String(body.length) },
            body: new Uint8Array(body),
          },
        };
      },
    },
  });
  return { documents: DynamoDBDocumentClient.from(client), calls: () => calls, destroy: () => client.destroy() };
};

const millis = (us: number) => round(us / 1000);

export const measureAckCounting = async ({ iterations = 1_000, roundSize = 50, provider: name = 'meta' } = {}): Promise<AckCountingResult> => {
  const provider = await loadProvider(name);
  if (!provider) throw new Error(`no provider ${name}`);
  const cases = await hotPathCases(provider, { sqsDelayMs: sqsTimeMs });
  const dynamo = stubbedDynamo();
  const record = ackStatsRecorder({
    store: createStatsStore(dynamo.documents, 'switchboard-bench-stats'),
    onSignatureBurst: async () => {},
    onAlertFailed: () => {},
  });
  const variants = [
    { body: cases.ackStubbedSqs, samples: [] as number[] },
    { body: () => cases.ackStubbedSqsRecorded(record), samples: [] as number[] },
  ];
  try {
    for (const variant of variants) for (let i = 0; i < roundSize; i++) await variant.body();
    const warmupWrites = dynamo.calls();
    for (let done = 0; done < iterations; done += roundSize) {
      for (const variant of variants) {
        for (let i = 0; i < Math.min(roundSize, iterations - done); i++) {
          const start = performance.now();
          await variant.body();
          variant.samples.push((performance.now() - start) * 1000);
        }
      }
    }
    const statsWrites = dynamo.calls() - warmupWrites;
    if (statsWrites !== 2 * iterations) throw new Error(`the stats store sent ${statsWrites} writes for ${iterations} counted requests, expected ${2 * iterations}`);
    const [uncounted, counted] = variants.map((variant) => summarize(variant.samples)) as [ReturnType<typeof summarize>, ReturnType<typeof summarize>];
    return {
      provider: name,
      iterations,
      uncountedMs: { p50: millis(uncounted.p50), p99: millis(uncounted.p99) },
      countedMs: { p50: millis(counted.p50), p99: millis(counted.p99) },
      ratioP50: round(counted.p50 / uncounted.p50),
      ratioP99: round(counted.p99 / uncounted.p99),
      statsWrites,
    };
  } finally {
    cases.destroy();
    dynamo.destroy();
  }
};
