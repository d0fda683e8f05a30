import { SQSClient } from '@aws-sdk/client-sqs';
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { maxWebhookBodyBytes } from '../../lib/definitions/pipeline.ts';
import { createIngestQueue } from '../../functions/adapters/ingest-queue.ts';
import { acknowledge, webhookUrl, type AckDependencies, type InboundWebhook } from '../../functions/core/ack.ts';
import type { Endpoint } from '../../functions/core/endpoint.ts';
import type { Envelope } from '../../functions/core/envelope.ts';
import { findEdge, loadProvider, providerNames } from '../../functions/providers/registry.ts';
import type { Provider } from '../../functions/providers/types.ts';
import { providerCredentials } from '../helpers/provider-credentials.ts';
import { round, summarize, type Summary } from './stats.ts';

/**
 * The ack path in-process: `acknowledge()` exactly as the ack handler calls it, with the
 * endpoint found in memory, against a bare reference (HMAC over the same bytes, a
 * constant-time compare, the envelope's JSON) timed in the same rounds, so that the ratio
 * holds on a noisy machine even when the absolute figures drift.
 */

export const targetBodyBytes = 2048;
export const publicBaseUrl = 'https://hooks.example.com';
/** A fixed clock keeps the envelope, and so the canned SendMessage answer's MD5, identical on every call. */
const fixedNow = Date.parse('2026-11-22T12:00:00.000Z');

/** The MAC each provider signs with: what the bare reference computes (basic auth and bearer tokens sign nothing; SHA-256 stands in). */
const macAlgorithms: Readonly<Record<string, string>> = { twilio: 'sha1' };

const filler = 'Hi, I ordered the blue jacket last week and the tracking page still says label created. Could you check where it is? ';

/** A provider's signed sample whose body is about `bytes` long, padded through the message text, signed at the bench's fixed time. */
export const paddedSample = (provider: Provider, url: string, signingSecret: string, bytes = targetBodyBytes) => {
  let text = 'Where is my order?';
  const signed = () => provider.sample({ url, secret: signingSecret, text, now: new Date(fixedNow) });
  let sample = signed();
  for (let attempt = 0; attempt < 5 && Math.abs(Buffer.byteLength(sample.body) - bytes) > 8; attempt++) {
    const missing = bytes - Buffer.byteLength(sample.body);
    text = missing > 0 ? text + filler.repeat(Math.ceil(missing / filler.length)).slice(0, missing) : text.slice(0, Math.max(1, text.length + missing));
    sample = signed();
  }
  return sample;
};

/** A stubbed transport's stand-in for the network's time. */
export const networkTime = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * An SQS client whose transport answers every SendMessage with a canned success, at once or
 * after `delayMs`: the SDK's serialization, middleware, SigV4 signing and MD5 check all run;
 * the network does not.
 */
const stubbedSqsClient = (messageBody: string, delayMs = 0) => {
  const md5 = createHash('md5').update(messageBody).digest('hex');
  const answer = Buffer.from(JSON.stringify({ MD5OfMessageBody: md5, MessageId: '5fea7756-0ea4-451a-a703-a558b933e274' }));
  let calls = 0;
  const client = new SQSClient({
    region: 'us-east-1',
    credentials: { accessKeyId: 'AKIDBENCHMARK', secretAccessKey: 'bench-secret-access-key' },
    requestHandler: {
      handle: async () => {
        calls++;
        if (delayMs > 0) await networkTime(delayMs);
        return {
          response: {
            statusCode: 200,
            reason: 'OK',
            headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-requestid': 'f2c6a4d5-0000-4000-8000-000000000000', 'content-length': String(answer.length) },
            body: new Uint8Array(answer),
          },
        };
      },
    },
  });
  return { client, calls: () => calls };
};

export interface VariantFigures {
  readonly medianUs: number;
  readonly p99Us: number;
  readonly meanUs: number;
}

export interface ProviderHotPath {
  readonly provider: string;
  readonly bodyBytes: number;
  readonly iterations: number;
  /** acknowledge() with `enqueue` a no-op: the DESIGN §9 row ("enqueue stubbed"). */
  readonly ackNoopEnqueue: VariantFigures;
  /** acknowledge() with the real ingest queue adapter over an SQS client whose transport is stubbed. */
  readonly ackStubbedSqs: VariantFigures;
  /** HMAC over the same bytes + timingSafeEqual + JSON.stringify of an equivalent envelope. */
  readonly reference: VariantFigures;
  readonly referenceAlgorithm: string;
  readonly ratioNoopToReference: number;
  readonly ratioStubbedSqsToReference: number;
}

export interface AckHotPathOptions {
  readonly iterations?: number;
  readonly warmup?: number;
  /** Iterations per variant before switching to the next, so every variant sees the same noise. */
  readonly roundSize?: number;
}

const figures = (summary: Summary): VariantFigures => ({ medianUs: round(summary.p50), p99Us: round(summary.p99), meanUs: round(summary.mean) });

/**
 * Builds the three timed bodies for one provider; each returns a promise or nothing.
 * `sqsDelayMs` makes the stubbed SendMessage answer after that long, as SQS would.
 */
export const hotPathCases = async (provider: Provider, { sqsDelayMs = 0 }: { sqsDelayMs?: number } = {}) => {
  const secret = providerCredentials[provider.name]?.secret;
  if (!secret) throw new Error(`no test credential for ${provider.name} in test/helpers/provider-credentials.ts`);
  const endpoint: Endpoint = {
    endpointId: 'ep_BenchmarkEndpoint0123456789abcdef',
    provider: provider.name,
    tenantId: 'bench',
    secrets: [secret],
    createdAt: '2026-11-22T00:00:00.000Z',
  };
  const url = webhookUrl(publicBaseUrl, provider.name, endpoint.endpointId);
  const sample = paddedSample(provider, url, secret);
  const body = Buffer.from(sample.body);
  const webhook: InboundWebhook = {
    provider: provider.name,
    endpointId: endpoint.endpointId,
    search: '',
    headers: sample.headers,
    body,
    requestId: 'c6af9ac6-7b61-11e6-9a41-93e8deadbeef',
  };
  const baseDependencies = {
    findEdge,
    findEndpoint: async (endpointId: string) => (endpointId === endpoint.endpointId ? endpoint : undefined),
    publicBaseUrl,
    maxBodyBytes: maxWebhookBodyBytes,
    now: () => new Date(fixedNow),
    claimNonce: async () => true,
    releaseNonce: async () => {},
    storeBody: async () => {},
    maxInlineBodyBytes: 700 * 1024,
  };

  // One real call, to capture the exact envelope (and check the sample verifies at all).
  let captured: Envelope | undefined;
  await acknowledge(webhook, { ...baseDependencies, enqueue: async (envelope) => void (captured = envelope) });
  if (!captured) throw new Error(`${provider.name}: acknowledge() did not enqueue its own signed sample`);
  const envelope = captured;

  const noop: AckDependencies = { ...baseDependencies, enqueue: async () => {} };
  const sqs = stubbedSqsClient(JSON.stringify(envelope), sqsDelayMs);
  const stubbed: AckDependencies = { ...baseDependencies, enqueue: createIngestQueue(sqs.client, 'https://sqs.us-east-1.amazonaws.com/123456789012/switchboard-ingest').enqueue };

  const algorithm = macAlgorithms[provider.name] ?? 'sha256';
  const expectedMac = createHmac(algorithm, secret).update(url).update(body).digest();
  const keptHeaders = envelope.headers;
  const reference = () => {
    const mac = createHmac(algorithm, secret).update(url).update(body).digest();
    if (!timingSafeEqual(mac, expectedMac)) throw new Error('reference MAC mismatch');
    return JSON.stringify({
      version: 1,
      requestId: webhook.requestId,
      provider: provider.name,
      endpointId: endpoint.endpointId,
      tenantId: endpoint.tenantId,
      receivedAt: new Date(fixedNow).toISOString(),
      url,
      headers: keptHeaders,
      body: body.toString('base64'),
    });
  };
  return {
    bodyBytes: body.length,
    algorithm,
    sqsCalls: sqs.calls,
    destroy: () => sqs.client.destroy(),
    ackNoop: () => acknowledge(webhook, noop),
    ackStubbedSqs: () => acknowledge(webhook, stubbed),
    /** The same, with the stats recorded as the ack handler records them. */
    ackStubbedSqsRecorded: (record: NonNullable<AckDependencies['record']>) => acknowledge(webhook, { ...stubbed, record }),
    reference,
  };
};

const timeInto = async (samples: number[], body: () => unknown, count: number): Promise<void> => {
  for (let i = 0; i < count; i++) {
    const start = performance.now();
    const result = body();
    if (result instanceof Promise) await result;
    samples.push((performance.now() - start) * 1000);
  }
};

export const measureAckHotPath = async (options: AckHotPathOptions = {}): Promise<ProviderHotPath[]> => {
  const iterations = options.iterations ?? 20_000;
  const warmup = options.warmup ?? 3_000;
  const roundSize = options.roundSize ?? 500;
  const results: ProviderHotPath[] = [];
  for (const name of providerNames) {
    const provider = await loadProvider(name);
    if (!provider) continue;
    const cases = await hotPathCases(provider);
    try {
      const variants = [
        { body: cases.ackNoop, samples: [] as number[] },
        { body: cases.ackStubbedSqs, samples: [] as number[] },
        { body: cases.reference, samples: [] as number[] },
      ];
      for (const variant of variants) await timeInto([], variant.body, warmup);
      for (let done = 0; done < iterations; done += roundSize) {
        for (const variant of variants) await timeInto(variant.samples, variant.body, Math.min(roundSize, iterations - done));
      }
      if (cases.sqsCalls() !== warmup + iterations) throw new Error(`${name}: the stubbed SQS transport saw ${cases.sqsCalls()} calls, expected ${warmup + iterations}`);
      const [noop, stubbed, reference] = variants.map((variant) => summarize(variant.samples)) as [Summary, Summary, Summary];
      results.push({
        provider: name,
        bodyBytes: cases.bodyBytes,
        iterations,
        ackNoopEnqueue: figures(noop),
        ackStubbedSqs: figures(stubbed),
        reference: figures(reference),
        referenceAlgorithm: `HMAC-${cases.algorithm.toUpperCase()}`,
        ratioNoopToReference: round(noop.p50 / reference.p50),
        ratioStubbedSqsToReference: round(stubbed.p50 / reference.p50),
      });
    } finally {
      cases.destroy();
    }
  }
  return results;
};
