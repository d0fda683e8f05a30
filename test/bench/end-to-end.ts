import { setTimeout as sleep } from 'node:timers/promises';
import { socketUrl } from '../../lib/cli/tail.ts';
import { startLocalStackProcess, type LocalStackProcess } from '../helpers/local-stack.ts';
import { openSocket, type RecordingSocket } from '../helpers/sockets.ts';
import { inboundSmsFields, signedTwilioRequest, twilioSid } from '../helpers/twilio.ts';
import { startDrainWatch } from './drain.ts';
import { round, summarize } from './stats.ts';

/**
 * Webhook → WebSocket on a fresh local stack: a client connected with the tenant's token,
 * signed Twilio POSTs on a fixed schedule, and for each the time from the start of its POST
 * to the `message.created` frame that carries its MessageSid.
 */

export interface EndToEndOptions {
  readonly rate?: number;
  readonly seconds?: number;
  /** How long to wait for the last frames after the last POST. */
  readonly settleMs?: number;
  /**
   * Seconds at the same rate before the timed window, on the same fresh stack: the JIT of the
   * stack and of its DynamoDB Local, the pollers' first reads. Reported apart as the cold start.
   */
  readonly warmupSeconds?: number;
  /** Stops the stack when the caller gives up on this measurement. */
  readonly signal?: AbortSignal;
}

export interface EndToEndResult {
  readonly rate: number;
  readonly seconds: number;
  readonly sent: number;
  readonly acked: number;
  readonly received: number;
  readonly duplicateFrames: number;
  readonly latencyMs: { p50: number; p95: number; p99: number; max: number; min: number; mean: number };
  /** The warm-up messages, sent at the same rate right after `npm start`: the cold start, outside the figures above. */
  readonly coldStart: { readonly seconds: number; readonly sent: number; readonly received: number; readonly p50: number; readonly p95: number; readonly p99: number; readonly max: number };
  /** POST → 2xx, for comparison with the whole trip. */
  readonly postLatencyMs: { p50: number; p99: number };
  /**
   * The trip in hops, from the wall-clock times the stack stamps on the message (same machine,
   * whole milliseconds): POST start → ack's receivedAt, receivedAt → processor's storedAt
   * (the queue hop), storedAt → frame at the client (the stream hop and the push).
   */
  readonly hopsMs: Record<'postToReceived' | 'receivedToStored' | 'storedToFrame', { p50: number; p95: number; p99: number; max: number }>;
  /** What the stack printed after its banner (warnings and errors only, at its default log level), first lines. */
  readonly stackLog: { lines: number; first: string[] };
  /** Every e2e latency in ms, in send order (NaN-free: only received ones), for the chart. */
  readonly samplesMs: number[];
  /**
   * From the last POST of the warm-up, and of the measured window, until the pipeline was
   * drained (queue empty, every frame published: drain.ts); the window starts only once the
   * warm-up's is. Null: not drained within the settle time.
   */
  readonly drainSeconds: { readonly warmup: number | null; readonly window: number | null };
}

const hopFigures = (samples: readonly number[]) => {
  const summary = summarize(samples);
  return { p50: round(summary.p50), p95: round(summary.p95), p99: round(summary.p99), max: round(summary.max) };
};

const tenantId = 'bench-e2e';
const authToken = 'bench-e2e-auth-token';

export const measureEndToEnd = async (options: EndToEndOptions = {}): Promise<EndToEndResult> => {
  const rate = options.rate ?? 50;
  const seconds = options.seconds ?? 20;
  const count = rate * seconds;
  let stack: LocalStackProcess | undefined;
  let socket: RecordingSocket | undefined;
  let drain: Awaited<ReturnType<typeof startDrainWatch>> | undefined;
  const abandon = () => void stack?.stop();
  options.signal?.addEventListener('abort', abandon, { once: true });
  try {
    stack = await startLocalStackProcess();
    options.signal?.throwIfAborted();
    const endpoint = JSON.parse(await stack.cli(['endpoint', 'add', '--provider', 'twilio', '--tenant', tenantId, '--secret', authToken])) as { url: string };
    const token = (await stack.cli(['token', '--tenant', tenantId])).trim();
    socket = await openSocket(socketUrl(stack.description.wsUrl, token));
    drain = await startDrainWatch(stack.description);

    const postStart = new Map<string, number>();
    const postWallStart = new Map<string, number>();
    const frameAt = new Map<string, number>();
    let hops = { postToReceived: [] as number[], receivedToStored: [] as number[], storedToFrame: [] as number[] };
    let duplicateFrames = 0;
    socket.socket.on('message', (data) => {
      const at = performance.now();
      const wallAt = Date.now();
      const frame = JSON.parse(data.toString()) as { type?: string; data?: { providerMessageId?: string; receivedAt?: string; storedAt?: string } };
      const sid = frame.data?.providerMessageId;
      if (frame.type !== 'message.created' || !sid || !postStart.has(sid)) return;
      if (frameAt.has(sid)) {
        duplicateFrames++;
        return;
      }
      frameAt.set(sid, at);
      const receivedAt = Date.parse(frame.data?.receivedAt ?? '');
      const storedAt = Date.parse(frame.data?.storedAt ?? '');
      const postedAt = postWallStart.get(sid);
      if (postedAt !== undefined && Number.isFinite(receivedAt) && Number.isFinite(storedAt)) {
        hops.postToReceived.push(receivedAt - postedAt);
        hops.receivedToStored.push(storedAt - receivedAt);
        hops.storedToFrame.push(wallAt - storedAt);
      }
    });

    /** `total` signed POSTs, one every 1/rate s on a fixed schedule; resolves once their frames are in (or `settleMs` passed). */
    const sendAtRate = async (total: number, label: string) => {
      const sids = Array.from({ length: total }, () => twilioSid('SM'));
      const requests = sids.map((sid, i) =>
        signedTwilioRequest(endpoint.url, authToken, inboundSmsFields({ MessageSid: sid, Body: `${label} ${i}: is my parcel out for delivery?`, From: `+1415${String(5_560_000 + (i % 200)).padStart(7, '0')}` })),
      );
      const postLatencies: number[] = [];
      let acked = 0;
      const posts: Promise<void>[] = [];
      const interval = 1000 / rate;
      const start = performance.now() + 5;
      for (let i = 0; i < total; i++) {
        const wait = start + i * interval - performance.now();
        if (wait > 0) await sleep(wait);
        const request = requests[i] as (typeof requests)[number];
        const sid = sids[i] as string;
        const sentAt = performance.now();
        postStart.set(sid, sentAt);
        postWallStart.set(sid, Date.now());
        posts.push(
          fetch(endpoint.url, { method: 'POST', headers: request.headers, body: request.body, signal: AbortSignal.timeout(10_000) })
            .then(async (response) => {
              await response.arrayBuffer();
              postLatencies.push(performance.now() - sentAt);
              if (response.ok) acked++;
            })
            .catch(() => {}),
        );
      }
      await Promise.all(posts);
      const lastPostAt = performance.now();
      const settleBy = performance.now() + (options.settleMs ?? 15_000);
      const received = () => sids.filter((sid) => frameAt.has(sid)).length;
      while (received() < acked && performance.now() < settleBy) await sleep(100);
      const drained = await drain?.drained(Math.max(1_000, settleBy - performance.now()));
      return { sids, acked, postLatencies, drainSeconds: drained ? round((performance.now() - lastPostAt) / 1000) : null };
    };

    const warmupSeconds = options.warmupSeconds ?? 5;
    const warmup = await sendAtRate(Math.round(warmupSeconds * rate), 'Warm-up');
    hops = { postToReceived: [], receivedToStored: [], storedToFrame: [] };
    const { sids, acked, postLatencies, drainSeconds } = await sendAtRate(count, 'End-to-end');

    const latencyOf = (sid: string): number[] => {
      const sent = postStart.get(sid);
      const received = frameAt.get(sid);
      return sent !== undefined && received !== undefined ? [received - sent] : [];
    };
    const latencies = sids.flatMap(latencyOf);
    const cold = summarize(warmup.sids.flatMap(latencyOf));
    const summary = summarize(latencies);
    const post = summarize(postLatencies);
    const logged = stack.output().split('Ready.').slice(1).join('Ready.').split('\n').filter((line) => line.trim() !== '');
    return {
      rate,
      seconds,
      sent: count,
      acked,
      received: latencies.length,
      duplicateFrames,
      latencyMs: { p50: round(summary.p50), p95: round(summary.p95), p99: round(summary.p99), max: round(summary.max), min: round(summary.min), mean: round(summary.mean) },
      coldStart: { seconds: warmupSeconds, sent: warmup.sids.length, received: cold.count, p50: round(cold.p50), p95: round(cold.p95), p99: round(cold.p99), max: round(cold.max) },
      postLatencyMs: { p50: round(post.p50), p99: round(post.p99) },
      hopsMs: {
        postToReceived: hopFigures(hops.postToReceived),
        receivedToStored: hopFigures(hops.receivedToStored),
        storedToFrame: hopFigures(hops.storedToFrame),
      },
      stackLog: { lines: logged.length, first: logged.slice(0, 10).map((line) => line.slice(0, 400)) },
      samplesMs: latencies.map((ms) => round(ms, 4)),
      drainSeconds: { warmup: warmup.drainSeconds, window: drainSeconds },
    };
  } finally {
    options.signal?.removeEventListener('abort', abandon);
    await drain?.stop();
    await socket?.close();
    await stack?.stop();
  }
};
