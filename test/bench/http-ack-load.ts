import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import autocannon from 'autocannon';
import { Agent, request } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { twilio } from '../../functions/providers/twilio/index.ts';
import type { SampleRequest } from '../../functions/providers/types.ts';
import { localCredentials } from '../../lib/local/aws.ts';
import { startLocalStackProcess, type LocalStackProcess } from '../helpers/local-stack.ts';
import { startDrainWatch } from './drain.ts';
import { waitForStoredCount } from './messages.ts';
import { round, summarize } from './stats.ts';

/**
 * The local HTTP ack under a fixed rate: `npm start` in a child process, one Twilio endpoint
 * added with the CLI, a warm-up drained through the whole pipeline, then distinct signed
 * requests (one MessageSid each) sent at `rate` per second for `seconds`; then the pipeline
 * is drained (drain.ts) and the messages table counted: every acknowledged webhook must be there.
 */

export type Generator = 'autocannon' | 'paced';

export interface HttpAckLoadOptions {
  readonly rate?: number;
  readonly seconds?: number;
  /** autocannon's connections; the paced generator opens as many as it needs, up to `maxSockets`. */
  readonly connections?: number;
  readonly maxSockets?: number;
  readonly storeTimeoutMs?: number;
  /** How long the pipeline may take to drain after the load. */
  readonly drainTimeoutMs?: number;
  readonly customers?: number;
  /**
   * `autocannon`: its `overallRate`, a per-connection budget per second that each connection
   * spends back to back at the start of every second. `paced`: one request every 1/rate s on
   * a fixed schedule (open loop), latency counted from the scheduled time.
   */
  readonly generator?: Generator;
  /** Stops the stack when the caller gives up on this measurement. */
  readonly signal?: AbortSignal;
}

export interface HttpAckLoadResult {
  readonly generator: Generator;
  readonly rate: number;
  readonly seconds: number;
  readonly connections: number;
  readonly sent: number;
  readonly elapsedSeconds: number;
  readonly achievedRate: number;
  /** Per-response latency, ms, as this process timed it (every status). */
  readonly latencyMs: { p50: number; p95: number; p99: number; max: number; mean: number };
  /** autocannon's own histogram (2xx only, whole ms), when it drove the load. */
  readonly autocannonLatencyMs?: { p50: number; p99: number; max: number };
  readonly ok2xx: number;
  readonly non2xx: number;
  readonly errors: number;
  readonly timeouts: number;
  readonly statusCodes: Record<string, number>;
  readonly storedCount: number;
  readonly storeWaitSeconds: number;
  readonly allAckedStored: boolean;
  /** From the end of the load until the queue is empty and the broadcaster has published every frame; null if not within the drain timeout. */
  readonly drainSeconds: number | null;
  /** The frames the stored messages made (warm-up included), all published once drained. */
  readonly framesPublished: number | null;
}

interface EndpointOutput {
  readonly endpointId: string;
  readonly url: string;
}

const tenantId = 'bench-load';
const authToken = 'bench-load-auth-token';

export const prebuildRequests = (url: string, count: number, customers: number): SampleRequest[] => {
  return Array.from({ length: count }, (_, i) =>
    twilio.sample({ url, secret: authToken, text: `Load test message ${i}: where is my order?`, from: `+1415${String(5_550_000 + (i % customers)).padStart(7, '0')}` }),
  );
};

const runAutocannon = (url: string, requests: SampleRequest[], rate: number, connections: number) =>
  new Promise<{ result: autocannon.Result; latencies: number[]; statusCodes: Record<string, number> }>((resolve, reject) => {
    let next = 0;
    const latencies: number[] = [];
    const statusCodes: Record<string, number> = {};
    const instance = autocannon(
      {
        url,
        connections,
        overallRate: rate,
        amount: requests.length,
        timeout: 10,
        requests: [
          {
            method: 'POST',
            setupRequest: (template) => {
              const sample = requests[next++ % requests.length] as SampleRequest;
              return { ...template, method: 'POST', body: sample.body, headers: { ...sample.headers } };
            },
          },
        ],
      },
      (error, result) => (error ? reject(error) : resolve({ result, latencies, statusCodes })),
    );
    instance.on('response', (_client: unknown, statusCode: number, _bytes: number, responseTime: number) => {
      latencies.push(responseTime);
      statusCodes[statusCode] = (statusCodes[statusCode] ?? 0) + 1;
    });
  });

/** One request every 1000/rate ms on a fixed schedule, whatever the answers do (open loop). */
const runPaced = async (url: string, requests: SampleRequest[], rate: number, maxSockets: number) => {
  const agent = new Agent({ keepAlive: true, maxSockets });
  const target = new URL(url);
  const latencies: number[] = [];
  const statusCodes: Record<string, number> = {};
  let errors = 0;
  let timeouts = 0;
  const send = (sample: SampleRequest, scheduledAt: number) =>
    new Promise<void>((done) => {
      const outgoing = request(
        { agent, host: target.hostname, port: target.port, path: target.pathname, method: 'POST', headers: { ...sample.headers, 'content-length': Buffer.byteLength(sample.body) }, timeout: 10_000 },
        (response) => {
          response.resume();
          response.on('end', () => {
            latencies.push(performance.now() - scheduledAt);
            const code = String(response.statusCode);
            statusCodes[code] = (statusCodes[code] ?? 0) + 1;
            done();
          });
        },
      );
      outgoing.on('timeout', () => {
        timeouts++;
        outgoing.destroy(new Error('timeout'));
      });
      outgoing.on('error', () => {
        errors++;
        done();
      });
      outgoing.end(sample.body);
    });

  const interval = 1000 / rate;
  const inFlight: Promise<void>[] = [];
  const start = performance.now() + 5;
  let sent = 0;
  try {
    while (sent < requests.length) {
      const now = performance.now();
      // Everything due by now goes out now; the schedule never slips to wait for answers.
      while (sent < requests.length && start + sent * interval <= now) {
        inFlight.push(send(requests[sent] as SampleRequest, start + sent * interval));
        sent++;
      }
      if (sent < requests.length) await sleep(Math.max(0, start + sent * interval - performance.now()));
    }
    await Promise.race([Promise.all(inFlight), sleep(15_000)]);
  } finally {
    agent.destroy();
  }
  return { latencies, statusCodes, errors, timeouts, elapsedSeconds: (performance.now() - start) / 1000 };
};

export const measureHttpAckLoad = async (options: HttpAckLoadOptions = {}): Promise<HttpAckLoadResult> => {
  const rate = options.rate ?? 500;
  const seconds = options.seconds ?? 20;
  const connections = options.connections ?? 20;
  const generator = options.generator ?? 'autocannon';
  const count = rate * seconds;

  let stack: LocalStackProcess | undefined;
  let dynamodb: DynamoDBClient | undefined;
  let drain: Awaited<ReturnType<typeof startDrainWatch>> | undefined;
  const abandon = () => void stack?.stop();
  options.signal?.addEventListener('abort', abandon, { once: true });
  try {
    stack = await startLocalStackProcess();
    options.signal?.throwIfAborted();
    const endpoint = JSON.parse(await stack.cli(['endpoint', 'add', '--provider', 'twilio', '--tenant', tenantId, '--secret', authToken])) as EndpointOutput;
    const requests = prebuildRequests(endpoint.url, count, options.customers ?? 1000);
    // A few requests first: the handler's endpoint cache, the SDK's connections, the JIT.
    const warmup = prebuildRequests(endpoint.url, 50, 50);
    let warmupAcked = 0;
    for (const sample of warmup) {
      const response = await fetch(endpoint.url, { method: 'POST', headers: sample.headers, body: sample.body });
      await response.arrayBuffer();
      if (response.ok) warmupAcked++;
    }
    if (warmupAcked === 0) throw new Error(`the local ack answered no warm-up request with 2xx:\n${stack.output()}`);
    // The load starts on a drained pipeline: the warm-up's messages stored and broadcast.
    drain = await startDrainWatch(stack.description);
    if (!(await drain.drained(options.storeTimeoutMs ?? 60_000))) throw new Error('the warm-up did not drain within the store timeout');

    const started = performance.now();
    let latencies: number[];
    let statusCodes: Record<string, number>;
    let errors: number;
    let timeouts: number;
    let autocannonLatencyMs: HttpAckLoadResult['autocannonLatencyMs'];
    let elapsedSeconds: number;
    if (generator === 'autocannon') {
      const run = await runAutocannon(endpoint.url, requests, rate, connections);
      ({ latencies, statusCodes } = run);
      errors = run.result.errors;
      timeouts = run.result.timeouts;
      autocannonLatencyMs = { p50: run.result.latency.p50, p99: run.result.latency.p99, max: run.result.latency.max };
      elapsedSeconds = (performance.now() - started) / 1000;
    } else {
      ({ latencies, statusCodes, errors, timeouts, elapsedSeconds } = await runPaced(endpoint.url, requests, rate, options.maxSockets ?? 256));
    }
    const drained = await drain.drained(options.drainTimeoutMs ?? 120_000);
    const ok2xx = Object.entries(statusCodes).reduce((total, [code, n]) => total + (code.startsWith('2') ? n : 0), 0);
    const answered = Object.values(statusCodes).reduce((total, n) => total + n, 0);

    dynamodb = new DynamoDBClient({ endpoint: stack.description.dynamodbEndpoint, region: stack.description.region, credentials: localCredentials });
    const stored = await waitForStoredCount(dynamodb, stack.description.tables.Messages, tenantId, ok2xx + warmupAcked, options.storeTimeoutMs ?? 60_000);
    const summary = summarize(latencies);
    return {
      generator,
      rate,
      seconds,
      connections: generator === 'autocannon' ? connections : options.maxSockets ?? 256,
      sent: count,
      elapsedSeconds: round(elapsedSeconds),
      achievedRate: round(answered / elapsedSeconds),
      latencyMs: { p50: round(summary.p50), p95: round(summary.p95), p99: round(summary.p99), max: round(summary.max), mean: round(summary.mean) },
      ...(autocannonLatencyMs && { autocannonLatencyMs }),
      ok2xx,
      non2xx: answered - ok2xx,
      errors,
      timeouts,
      statusCodes,
      // The warm-up requests are stored too; they are not part of the figure.
      storedCount: stored.count - warmupAcked,
      storeWaitSeconds: round(stored.waitedMs / 1000),
      allAckedStored: stored.count - warmupAcked >= ok2xx,
      drainSeconds: drained?.seconds ?? null,
      framesPublished: drained?.frames ?? null,
    };
  } finally {
    options.signal?.removeEventListener('abort', abandon);
    dynamodb?.destroy();
    await drain?.stop();
    await stack?.stop();
  }
};
