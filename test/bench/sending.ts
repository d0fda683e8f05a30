import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { acceptSend } from '../../functions/core/accept.ts';
import { issueToken } from '../../functions/core/tokens.ts';
import type { TwilioStandInMessage } from '../../lib/local/provider-standins/twilio-api.ts';
import { wiredSending, type QueuedRecord } from '../helpers/sending-dependencies.ts';
import { ourIdOf, startSendingStack, type SendingStack } from '../helpers/sending-stack.ts';
import { inParallel } from '../helpers/traffic.ts';
import { round, summarize } from './stats.ts';

/**
 * Sending on a fresh in-process local stack whose Twilio stand-in the bench holds (it records
 * when it took each message, on this machine's clock):
 * - the send API's accept (POST /messages) under a paced open-loop load, each request timed
 *   from its scheduled start;
 * - for the same messages, accept (the message's storedAt) → the stand-in's createdAt, in hops;
 * - one US long code, 1 segment a second, handed N messages at once: the smallest gap between
 *   its calls at the stand-in, and how many the stand-in refused with 429;
 * - thousands of messages across 50 short codes, queued at once: sends per second.
 * The last two are accepted in this process (acceptSend on the stack's tables) and only then
 * put on the send queue together, so that the sender, not the accept, sets the pace.
 */

export interface SendingOptions {
  readonly acceptRate?: number;
  readonly acceptSeconds?: number;
  readonly longCodeMessages?: number;
  readonly throughputMessages?: number;
  readonly throughputNumbers?: number;
  readonly signal?: AbortSignal;
}

type Figures = { p50: number; p95: number; p99: number; max: number };

export interface SendingResult {
  readonly accept: {
    readonly rate: number;
    readonly seconds: number;
    readonly sent: number;
    readonly accepted: number;
    readonly errors: number;
    readonly statusCodes: Record<string, number>;
    readonly achievedRate: number;
    readonly latencyMs: Figures;
  };
  readonly acceptToCall: {
    readonly measured: number;
    readonly latencyMs: Figures;
    /** storedAt → claimedAt (the send queue and its poller), claimedAt → createdAt (rate slot, credentials, the call), from the item's own stamps. */
    readonly hopsMs: { readonly storedToClaimed: Figures; readonly claimedToCalled: Figures };
  };
  readonly longCode: { readonly messages: number; readonly minGapMs: number; readonly gapsMs: number[]; readonly throttled: number; readonly seconds: number };
  readonly throughput: { readonly messages: number; readonly numbers: number; readonly sent: number; readonly seconds: number; readonly perSecond: number; readonly throttled: number };
  /** What the stack reported through onError, first lines. */
  readonly stackErrors: string[];
}

const figures = (samples: Iterable<number>): Figures => {
  const summary = summarize(samples);
  return { p50: round(summary.p50), p95: round(summary.p95), p99: round(summary.p99), max: round(summary.max) };
};

const tenantId = 'bench-sending';
/** Short codes: Twilio's documented 100 segments a second (providers/twilio/send.ts), so that no number's rate is what is measured. */
const shortCode = (index: number) => String(50_001 + index);
const recipient = (index: number) => `+1415${String(6_000_000 + index).padStart(7, '0')}`;

/** Waits until the stand-in has taken every one of `ids`, or `timeoutMs` passed; the ones it took, by our id. */
const takenBy = async (stack: SendingStack, ids: readonly string[], timeoutMs: number): Promise<Map<string, TwilioStandInMessage>> => {
  const wanted = new Set(ids);
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const taken = new Map<string, TwilioStandInMessage>();
    for (const message of stack.twilio.messages) {
      const id = ourIdOf(message);
      if (id !== undefined && wanted.has(id) && !taken.has(id)) taken.set(id, message);
    }
    if (taken.size >= wanted.size || performance.now() > deadline) return taken;
    await sleep(100);
  }
};

/** One POST every 1/rate s on a fixed schedule, whatever the answers do (open loop), each timed from its scheduled start. */
const pacedPosts = async (count: number, rate: number, post: (index: number) => Promise<Response>) => {
  const latencies: number[] = [];
  const statusCodes: Record<string, number> = {};
  const ids: string[] = [];
  let errors = 0;
  const inFlight: Promise<void>[] = [];
  const interval = 1000 / rate;
  const start = performance.now() + 5;
  for (let index = 0; index < count; index++) {
    const due = start + index * interval;
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
    inFlight.push(
      post(index).then(
        async (response) => {
          const body = (await response.json()) as { id?: string };
          latencies.push(performance.now() - due);
          statusCodes[response.status] = (statusCodes[response.status] ?? 0) + 1;
          if (response.status === 202 && body.id) ids.push(body.id);
        },
        () => void errors++,
      ),
    );
  }
  await Promise.all(inFlight);
  return { latencies, statusCodes, ids, errors, elapsedSeconds: (performance.now() - start) / 1000 };
};

/** Accepts messages in this process, holding their records back; then queues them all at once, and says when. */
const acceptThenQueue = async (stack: SendingStack, bodies: readonly unknown[], label: string) => {
  const held: QueuedRecord[] = [];
  const { accept } = wiredSending(stack.wiring({ now: () => new Date(), enqueue: (record) => void held.push(record) }));
  const ids = await inParallel(
    bodies.map((body, index) => ({ body, index })),
    16,
    async ({ body, index }) => (await acceptSend({ tenantId, target: { firstMessage: true }, idempotencyKey: `${label}-${index}`, body, requestId: `req_${label}_${index}` }, accept)).body.id,
  );
  const queuedAt = performance.now();
  await inParallel(held, 32, (record) => stack.sendQueues.enqueue(record));
  return { ids, queuedAt, queueingMs: performance.now() - queuedAt };
};

/** The stand-in's answers other than a created message, for one account's sends since `before`: its 429s, as nothing else here is refused. */
const refusedSince = (stack: SendingStack, before: { requests: number; messages: number }) =>
  stack.twilio.requests - before.requests - (stack.twilio.messages.length - before.messages);

export const measureSending = async (options: SendingOptions = {}): Promise<SendingResult> => {
  const rate = options.acceptRate ?? 100;
  const seconds = options.acceptSeconds ?? 20;
  const longCodeMessages = options.longCodeMessages ?? 10;
  const throughputMessages = options.throughputMessages ?? 3000;
  const numbers = options.throughputNumbers ?? 50;
  let stack: SendingStack | undefined;
  const abandon = () => void stack?.stop();
  options.signal?.addEventListener('abort', abandon, { once: true });
  try {
    stack = await startSendingStack();
    options.signal?.throwIfAborted();
    const endpointId = await stack.addTwilioSender(tenantId, { accountSid: `AC${randomBytes(16).toString('hex')}`, authToken: 'bench-sending-auth-token' });
    const token = await issueToken(tenantId, stack.description.jwtSecret, 3600);
    const { httpUrl } = stack.description;
    const post = (key: string, body: unknown) =>
      fetch(`${httpUrl}/messages`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'idempotency-key': key },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(10_000),
      });
    const smsBody = (index: number, label: string) => ({ channel: 'sms', endpointId, from: shortCode(index % 10), to: recipient(index % 500), text: `${label} ${index}: your order shipped` });

    // Warm-up: the send, sender, ack and processor workers start cold, as on Lambda; the window starts once they are warm.
    const warmup = await pacedPosts(5 * 20, 20, (index) => post(`warmup-${index}`, smsBody(index, 'Warm-up')));
    await takenBy(stack, warmup.ids, 60_000);

    // 1 and 2: the accept under load, and each accepted message's way to the stand-in.
    const load = await pacedPosts(rate * seconds, rate, (index) => post(`load-${index}`, smsBody(index, 'Load')));
    const taken = await takenBy(stack, load.ids, 60_000);
    const items = await inParallel(load.ids, 32, (id) => stack!.message(id));
    const trips = items.flatMap((item) => {
      const called = taken.get(String(item?.id))?.createdAt.getTime();
      const storedAt = Date.parse(String(item?.storedAt));
      const claimedAt = Date.parse(String(item?.claimedAt));
      return called === undefined ? [] : [{ total: called - storedAt, storedToClaimed: claimedAt - storedAt, claimedToCalled: called - claimedAt }];
    });

    // 3: one long code, N messages at once.
    const longCodeBefore = { requests: stack.twilio.requests, messages: stack.twilio.messages.length };
    const longCode = await acceptThenQueue(
      stack,
      Array.from({ length: longCodeMessages }, (_, index) => ({ channel: 'sms', endpointId, from: '+15005550006', to: recipient(1000 + index), text: `Long code ${index}: see you at 10` })),
      'long-code',
    );
    const longCodeTaken = [...(await takenBy(stack, longCode.ids, longCodeMessages * 2_000 + 30_000)).values()].map((message) => message.createdAt.getTime()).sort((a, b) => a - b);
    const gaps = longCodeTaken.slice(1).map((at, index) => at - (longCodeTaken[index] as number));

    // 4: many numbers, many messages at once.
    const throughputBefore = { requests: stack.twilio.requests, messages: stack.twilio.messages.length };
    const burst = await acceptThenQueue(
      stack,
      Array.from({ length: throughputMessages }, (_, index) => ({ channel: 'sms', endpointId, from: shortCode(100 + (index % numbers)), to: recipient(2000 + (index % 1000)), text: `Burst ${index}: your code is ${index % 10_000}` })),
      'burst',
    );
    const burstTaken = [...(await takenBy(stack, burst.ids, 120_000)).values()].map((message) => message.createdAt.getTime()).sort((a, b) => a - b);
    const burstSeconds = burstTaken.length > 1 ? ((burstTaken.at(-1) as number) - (burstTaken[0] as number)) / 1000 : Number.NaN;

    return {
      accept: {
        rate,
        seconds,
        sent: rate * seconds,
        accepted: load.ids.length,
        errors: load.errors,
        statusCodes: load.statusCodes,
        achievedRate: round((rate * seconds) / load.elapsedSeconds),
        latencyMs: figures(load.latencies),
      },
      acceptToCall: {
        measured: trips.length,
        latencyMs: figures(trips.map((trip) => trip.total)),
        hopsMs: { storedToClaimed: figures(trips.map((trip) => trip.storedToClaimed)), claimedToCalled: figures(trips.map((trip) => trip.claimedToCalled)) },
      },
      longCode: {
        messages: longCodeTaken.length,
        minGapMs: gaps.length > 0 ? Math.min(...gaps) : Number.NaN,
        gapsMs: gaps,
        throttled: refusedSince(stack, longCodeBefore),
        seconds: round(((longCodeTaken.at(-1) ?? Number.NaN) - (longCodeTaken[0] ?? Number.NaN)) / 1000),
      },
      throughput: {
        messages: throughputMessages,
        numbers,
        sent: burstTaken.length,
        seconds: round(burstSeconds),
        perSecond: round((burstTaken.length - 1) / burstSeconds),
        throttled: refusedSince(stack, throughputBefore),
      },
      stackErrors: stack.errors.slice(0, 10).map(({ source, error }) => `${source}: ${error instanceof Error ? error.message : String(error)}`.slice(0, 400)),
    };
  } finally {
    options.signal?.removeEventListener('abort', abandon);
    await stack?.stop();
  }
};
