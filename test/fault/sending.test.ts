import { randomBytes } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { newSendKeySecret, sendKeyOf } from '../../functions/adapters/credential-box.ts';
import { createEndpointStore } from '../../functions/adapters/endpoint-store.ts';
import { createMessageStore } from '../../functions/adapters/message-store.ts';
import { createOutboxStore } from '../../functions/adapters/outbox-store.ts';
import { acceptSend } from '../../functions/core/accept.ts';
import { conversationIdFor, messageIdFor, type ConversationKey } from '../../functions/core/ids.ts';
import type { StoredMessage } from '../../functions/core/items.ts';
import { sendQueued, sendTimings, type SenderDependencies } from '../../functions/core/send.ts';
import { correlationParam } from '../../functions/providers/twilio/status-callback.ts';
import { addEndpoint } from '../../lib/cli/endpoint.ts';
import { setCredentials } from '../../lib/cli/credentials.ts';
import { startTwilioApiStandIn, type TwilioApiStandIn } from '../../lib/local/provider-standins/twilio-api.ts';
import { wiredSending, type QueuedRecord } from '../helpers/sending-dependencies.ts';
import { ourIdOf, startSendingStack, takenCounts, type SendingStack, type SentAnswer } from '../helpers/sending-stack.ts';
import { startDynamoDb } from '../helpers/services.ts';
import { inParallel } from '../helpers/traffic.ts';
import { eventually, waitUntil } from '../helpers/waiting.ts';

/**
 * Sending under faults, with exact counts: repeated Idempotency-Keys, a provider answering 429,
 * a sender killed mid-batch, a 5xx after the provider took the message, permanent refusals and
 * a closed window. Each message is counted where it lands: at the Twilio stand-in, by the id
 * its StatusCallback URL carries back. Nothing here asserts a time.
 */

const newAccountSid = () => `AC${randomBytes(16).toString('hex')}`;
/** Twilio's rate for a short code is 100 segments a second (providers/twilio/send.ts): high enough not to be the subject. */
const shortCodes = (count: number, first: number) => Array.from({ length: count }, (_, index) => String(first + index));
const recipient = (index: number) => `+1415555${String(1000 + index).padStart(4, '0')}`;
const settled = (item: Record<string, unknown> | undefined) => item?.sendState === 'done';

describe('sending through the local stack', () => {
  let stack: SendingStack;

  beforeAll(async () => {
    stack = await startSendingStack();
  }, 90_000);

  afterEach(() => {
    stack?.twilio.clearFaults();
  });

  afterAll(async () => {
    await stack?.stop();
  });

  const twilioSender = async (tenantId: string, from?: string, callbacks = true) => {
    const authToken = `${tenantId}-auth-token`;
    return stack.addTwilioSender(tenantId, { accountSid: newAccountSid(), authToken, callbacks, ...(from && { from }) });
  };

  /** Waits until the SMS queue holds no record (waiting, in flight or delayed), so nothing more can be sent; then reads the messages. */
  const allSettled = async (ids: readonly string[], timeoutMs: number) => {
    await waitUntil(async () => (await stack.sendQueueDepth('sendSms')) === 0, 'the SMS send queue to empty', timeoutMs);
    return inParallel(ids, 32, (id) => stack.message(id));
  };

  const failed = (id: string) =>
    eventually(`message ${id} to fail`, async () => ((await stack.message(id))?.status === 'failed' ? true : undefined));

  it('refuses a WhatsApp message outside the window with 409 window_closed, storing, queueing and calling nothing', async () => {
    // Prepare: a first message has no window; a conversation whose customer last wrote 25 hours ago has a closed one.
    const tenantId = 'fault-send-window';
    const from = '+14155238886';
    const endpointId = await twilioSender(tenantId, from);
    const lastInboundAt = new Date(Date.now() - 25 * 3600_000).toISOString();
    const key: ConversationKey = { tenantId, channel: 'whatsapp', businessAddress: from, customerAddress: '+5511987654321' };
    const inbound: StoredMessage = {
      id: messageIdFor({ tenantId, namespace: 'twilio' }, 'SM0a1b2c3d4e5f60718293a4b5c6d7e8f9'),
      conversationId: conversationIdFor(key),
      tenantId,
      provider: 'twilio',
      providerMessageId: 'SM0a1b2c3d4e5f60718293a4b5c6d7e8f9',
      channel: 'whatsapp',
      direction: 'inbound',
      from: key.customerAddress,
      to: from,
      text: 'Olá! Do you ship to Brazil?',
      media: [],
      contentType: 'text',
      receivedAt: lastInboundAt,
      storedAt: lastInboundAt,
      source: { requestId: 'req_yesterday', endpointId },
    };
    // The running stack's clock cannot be moved: the customer's message is stored as the processor would have stored it a day ago.
    expect(await createMessageStore(stack.documentClient, stack.description.tables.Messages).saveMessage(inbound, key)).toBe('stored');
    const requestsBefore = stack.twilio.requests;

    // Act
    const first = await stack.post(tenantId, '/messages', { channel: 'whatsapp', endpointId, from, to: '+5511900000001', text: 'Hello!' }, 'window-first');
    const reply = await stack.post(tenantId, `/conversations/${inbound.conversationId}/messages`, { text: 'Yes, we do.' }, 'window-reply');

    // Assess
    expect(first).toMatchObject({ status: 409, body: { reason: 'window_closed', templateRequired: true } });
    expect(reply).toMatchObject({ status: 409, body: { reason: 'window_closed', templateRequired: true, closesAt: new Date(Date.parse(lastInboundAt) + 24 * 3600_000).toISOString() } });
    const outbox = createOutboxStore(stack.documentClient, { messages: stack.description.tables.Messages, sending: stack.description.tables.Sending });
    expect(await outbox.list(tenantId, { limit: 10 })).toEqual([]);
    expect(await outbox.idempotencyRecord(tenantId, 'window-first')).toBeUndefined();
    expect(await outbox.idempotencyRecord(tenantId, 'window-reply')).toBeUndefined();
    expect(await stack.sendQueueDepth('sendWhatsapp')).toBe(0);
    expect(stack.twilio.requests).toBe(requestsBefore);
  });

  it('fails permanent refusals at once with their code and category, after exactly one call; an opt-out closes the conversation', async () => {
    // Prepare
    const tenantId = 'fault-send-permanent';
    const endpointId = await twilioSender(tenantId);
    const from = shortCodes(1, 41001)[0]!;
    const requestsBefore = stack.twilio.requests;

    // Act: an invalid number (21211), then a recipient who replied STOP (21610).
    stack.twilio.inject({ status: 400, code: 21211, times: 1 });
    const invalid = await stack.post(tenantId, '/messages', { channel: 'sms', endpointId, from, to: recipient(1), text: 'Your code is 1234' }, 'permanent-21211');
    await failed(String(invalid.body.id));
    stack.twilio.inject({ status: 400, code: 21610, times: 1 });
    const optedOut = await stack.post(tenantId, '/messages', { channel: 'sms', endpointId, from, to: recipient(2), text: 'Your order shipped' }, 'permanent-21610');
    await failed(String(optedOut.body.id));
    const [invalidItem, optedOutItem] = await allSettled([String(invalid.body.id), String(optedOut.body.id)], 30_000);
    const again = await stack.post(tenantId, `/conversations/${String(optedOut.body.conversationId)}/messages`, { text: 'Are you still there?' }, 'permanent-again');

    // Assess: settled and off the queue, so nothing is left that could call again.
    expect([invalid.status, optedOut.status]).toEqual([202, 202]);
    expect(invalidItem).toMatchObject({ status: 'failed', sendState: 'done', attempts: 1, failure: { code: '21211', category: 'permanent' } });
    expect(optedOutItem).toMatchObject({ status: 'failed', sendState: 'done', attempts: 1, failure: { code: '21610', category: 'opted-out' } });
    expect(stack.twilio.requests - requestsBefore).toBe(2);
    expect(takenCounts(stack.twilio.messages).has(String(invalid.body.id))).toBe(false);
    expect(again).toMatchObject({ status: 409, body: { reason: 'recipient_opted_out' } });
  });

  it('sends 1,000 requests with 10% repeated Idempotency-Keys as exactly 900 messages, each taken once', async () => {
    // Prepare: 900 distinct requests from ten short codes; 50 of them raced by a copy, 50 sent again afterwards.
    // No status callbacks: what is counted is what the sender did, and their writes would only slow it.
    const tenantId = 'fault-send-idempotency';
    const endpointId = await twilioSender(tenantId, undefined, false);
    const codes = shortCodes(10, 42001);
    const requests = Array.from({ length: 900 }, (_, index) => ({
      key: `idem-${index}`,
      body: { channel: 'sms', endpointId, from: codes[index % codes.length], to: recipient(index % 90), text: `Order ${index} is out for delivery` },
    }));
    const raced = requests.slice(0, 50);
    const repeated = requests.slice(50, 100);
    const send = (request: (typeof requests)[number]) => stack.post(tenantId, '/messages', request.body, request.key);

    // Act
    const firsts = await inParallel(requests, 16, async (request) => (raced.includes(request) ? Promise.all([send(request), send(request)]) : [await send(request)]));
    const seconds = await inParallel(repeated, 16, send);
    const firstIds = firsts.map(([answer]) => String(answer?.body.id));
    await waitUntil(() => takenCounts(stack.twilio.messages).size >= 900 || stack.errors.length > 0, 'the stand-in to take 900 messages', 90_000);
    const items = await allSettled(firstIds, 30_000);

    // Assess
    const answers: SentAnswer[] = [...firsts.flat(), ...seconds];
    expect(answers).toHaveLength(1000);
    expect(answers.filter((answer) => answer.status === 202)).toHaveLength(1000);
    expect(new Set(firstIds).size).toBe(900);
    expect(firsts.slice(0, 50).map(([original, copy]) => copy?.body.id === original?.body.id)).toEqual(Array(50).fill(true));
    expect(seconds.map((answer, index) => answer.body.id === firstIds[50 + index])).toEqual(Array(50).fill(true));
    const taken = takenCounts(stack.twilio.messages.filter((message) => firstIds.includes(ourIdOf(message) ?? '')));
    expect(taken.size).toBe(900);
    expect([...taken.values()].filter((count) => count !== 1)).toEqual([]);
    expect(items.filter((item) => settled(item) && (item?.status === 'sent' || item?.status === 'delivered'))).toHaveLength(900);
    expect(stack.errors).toEqual([]);
  }, 180_000);

  it('sends every message exactly once while the provider answers 30% of requests with 429 and Retry-After 1', async () => {
    // Prepare
    const tenantId = 'fault-send-throttled';
    const endpointId = await twilioSender(tenantId, undefined, false);
    const codes = shortCodes(5, 43001);
    const requestsBefore = stack.twilio.requests;
    stack.twilio.inject({ status: 429, retryAfterSeconds: 1, ratio: 0.3 });

    // Act
    const answers = await inParallel(Array.from({ length: 100 }, (_, index) => index), 16, (index) =>
      stack.post(tenantId, '/messages', { channel: 'sms', endpointId, from: codes[index % codes.length], to: recipient(index), text: `Appointment ${index} confirmed` }, `throttled-${index}`),
    );
    const ids = answers.map((answer) => String(answer.body.id));
    await waitUntil(() => takenCounts(stack.twilio.messages.filter((message) => ids.includes(ourIdOf(message) ?? ''))).size >= 100, 'the stand-in to take 100 messages', 90_000);
    const items = await allSettled(ids, 60_000);

    // Assess
    expect(answers.filter((answer) => answer.status === 202)).toHaveLength(100);
    const taken = takenCounts(stack.twilio.messages.filter((message) => ids.includes(ourIdOf(message) ?? '')));
    expect(taken.size).toBe(100);
    expect([...taken.values()].filter((count) => count !== 1)).toEqual([]);
    expect(items.filter((item) => item?.status === 'failed')).toEqual([]);
    expect(items.filter((item) => settled(item) && item?.attempts === 1)).toHaveLength(100);
    // The fault did fire: every request beyond the 100 that created a message was a 429.
    expect(stack.twilio.requests - requestsBefore).toBeGreaterThan(100);
    expect(stack.errors).toEqual([]);
  }, 150_000);

  it('settles a 5xx answered after the provider took the message through its callback, never calling again', async () => {
    // Prepare
    const tenantId = 'fault-send-5xx';
    const endpointId = await twilioSender(tenantId);
    const requestsBefore = stack.twilio.requests;
    stack.twilio.inject({ status: 500, afterAccepting: true, times: 1 });

    // Act: the sender hears a 500 for a message Twilio created; its callbacks then name our id.
    const answer = await stack.post(tenantId, '/messages', { channel: 'sms', endpointId, from: '44001', to: recipient(1), text: 'Your table is ready' }, 'after-accepting');
    const id = String(answer.body.id);
    const delivered = await eventually('the callback to deliver the message the sender holds as unknown', async () => {
      const item = await stack.message(id);
      return item?.status === 'delivered' && item.sendState === 'unknown' ? item : undefined;
    });
    // Its record comes back after the callback wait: delivered here now, by a sender whose clock is past that wait.
    const requeued: QueuedRecord[] = [];
    const { sender } = wiredSending(stack.wiring({ now: () => new Date(Date.now() + sendTimings.callbackWaitMs + 1_000), enqueue: (record) => void requeued.push(record) }));
    await sendQueued(tenantId, id, sender);

    // Assess
    expect(answer.status).toBe(202);
    expect(delivered).toMatchObject({ attempts: 1, lastError: { code: '20500' } });
    expect(await stack.message(id)).toMatchObject({ status: 'delivered', sendState: 'done' });
    expect(requeued).toEqual([]);
    expect(takenCounts(stack.twilio.messages).get(id)).toBe(1);
    expect(stack.twilio.requests - requestsBefore).toBe(1);
    expect(stack.errors).toEqual([]);
  });
});

describe('a sender killed mid-batch', () => {
  /** A sender that dies (its process gone: nothing settles) right after a claim, or right after the provider's answer. */
  class SenderKilled extends Error {}

  const killing = (deps: SenderDependencies, { afterClaim, afterCall }: { afterClaim: Set<string>; afterCall: Set<string> }): SenderDependencies => ({
    ...deps,
    async claim(tenantId, messageId, claimId, now) {
      const result = await deps.claim(tenantId, messageId, claimId, now);
      if ('claimed' in result && afterClaim.delete(messageId)) throw new SenderKilled(`killed after claiming ${messageId}`);
      return result;
    },
    async sender(provider) {
      const real = await deps.sender(provider);
      if (!real) return undefined;
      return {
        ...real,
        async send(request, credentials, signal) {
          const outcome = await real.send(request, credentials, signal);
          if (afterCall.delete(request.messageId)) throw new SenderKilled(`killed after calling the provider for ${request.messageId}`);
          return outcome;
        },
      };
    },
  });

  let dynamo: Awaited<ReturnType<typeof startDynamoDb>>;
  let twilio: TwilioApiStandIn;
  const tenantId = 'fault-send-killed';
  const accountSid = newAccountSid();
  const authToken = 'fault-send-killed-auth-token';

  beforeAll(async () => {
    dynamo = await startDynamoDb();
    twilio = await startTwilioApiStandIn({ authTokenOf: async (sid) => (sid === accountSid ? authToken : undefined) });
  }, 60_000);

  afterAll(async () => {
    await twilio?.stop();
    await dynamo?.stop();
  });

  it('loses none and doubles none: the claims it left are found unknown, and the Twilio lookup finds what it had sent', async () => {
    // Prepare: an endpoint with send credentials, and a clock the test moves past each lease and wait.
    const sendKey = newSendKeySecret();
    const target = {
      publicBaseUrl: 'https://hooks.example.com',
      webSocketUrl: 'wss://ws.example.com',
      endpoints: createEndpointStore(dynamo.documentClient, dynamo.tables.Endpoints),
      tokenMaxLifetimeSeconds: 3600,
      jwtSecret: async () => 'unused',
      sendKey: async () => sendKey,
    };
    const { endpointId } = await addEndpoint(target, { provider: 'twilio', tenant: tenantId, secrets: [authToken] });
    await setCredentials(target, endpointId, { credentials: { 'twilio-account-sid': accountSid, 'twilio-auth-token': authToken }, env: {} });
    // Each round of deliveries is this far past the one before: beyond the claim lease, and beyond the wait for a callback.
    const roundMs = Math.max(sendTimings.claimLeaseMs, sendTimings.callbackWaitMs) + 5_000;
    const maxRounds = 6;
    // The clock starts in the past and reaches now by the last round, so that the stand-in's real
    // creation times fall inside the window the lookup asks about.
    let behindMs = roundMs * maxRounds;
    const queue: QueuedRecord[] = [];
    const { accept, sender, outbox } = wiredSending({
      client: dynamo.documentClient,
      tables: dynamo.tables,
      sendKey: sendKeyOf(sendKey),
      twilioApiBaseUrl: twilio.url,
      // No webhook route runs here (the stand-in's own URL answers 404): only the Twilio lookup can find what was sent.
      statusCallbackUrl: (_, messageId) => `${twilio.url}/status-callbacks?${correlationParam}=${messageId}`,
      now: () => new Date(Date.now() - behindMs),
      enqueue: (record) => void queue.push(record),
    });
    const ids: string[] = [];
    for (let index = 0; index < 30; index++) {
      const answer = await acceptSend(
        { tenantId, target: { firstMessage: true }, idempotencyKey: `killed-${index}`, body: { channel: 'sms', endpointId, from: '45001', to: recipient(index), text: `Reminder ${index}` }, requestId: `req_${index}` },
        accept,
      );
      ids.push(answer.body.id);
    }
    const afterClaim = new Set(ids.slice(0, 10));
    const afterCall = new Set(ids.slice(10, 20));
    const dying = killing(sender, { afterClaim, afterCall });

    // Act: each round delivers what the queue holds; a batch whose sender died comes back whole, as SQS returns it.
    let rounds = 0;
    while (queue.length > 0 && rounds < maxRounds) {
      const batch = queue.splice(0);
      const outcomes = await Promise.allSettled(batch.map((record) => sendQueued(record.tenantId, record.id, dying)));
      const failures = outcomes.flatMap((outcome) => (outcome.status === 'rejected' ? [outcome.reason as unknown] : []));
      const unexpected = failures.filter((reason) => !(reason instanceof SenderKilled));
      if (unexpected.length > 0) throw unexpected[0];
      if (failures.length > 0) queue.push(...batch);
      rounds++;
      behindMs -= roundMs;
    }

    // Assess
    expect([afterClaim.size, afterCall.size, queue.length]).toEqual([0, 0, 0]);
    const taken = takenCounts(twilio.messages);
    expect(taken.size).toBe(30);
    expect(new Set(taken.keys())).toEqual(new Set(ids));
    expect([...taken.values()].filter((count) => count !== 1)).toEqual([]);
    const items = await Promise.all(ids.map((id) => outbox.message(id)));
    const sidOf = new Map(twilio.messages.map((message) => [ourIdOf(message), message.sid]));
    expect(items.map((item) => ({ status: item?.status, sendState: item?.sendState, providerMessageId: item?.providerMessageId }))).toEqual(
      ids.map((id) => ({ status: 'sent', sendState: 'done', providerMessageId: sidOf.get(id) })),
    );
  }, 60_000);
});
