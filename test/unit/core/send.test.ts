import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Endpoint } from '../../../functions/core/endpoint.ts';
import { statusRank } from '../../../functions/core/items.ts';
import type { LookupResult, ProviderSender, SendCredentials, SendOutcome, SendRequest } from '../../../functions/core/outbound.ts';
import { backoffMs, sendQueued, sendTimings, type Guard, type SendEvent, type SenderDependencies, type Settlement } from '../../../functions/core/send.ts';
import type { OutboundMessage, SendFailure } from '../../../functions/core/sending-items.ts';
import { anEndpoint, anOutboundMessage } from '../../helpers/factories.ts';

const start = new Date('2026-11-22T12:00:00.000Z');
const credentials: SendCredentials = { provider: 'twilio', accountSid: `AC${'0'.repeat(32)}`, authToken: 'token' };
const sendingEndpoint = anEndpoint({ sending: { sealedCredentials: 'v1.sealed', updatedAt: '2026-11-01T00:00:00.000Z' } });

type Stored = OutboundMessage & { claimId?: string; claimedAt?: string; unknownSince?: string; sentAt?: string; lastError?: SendFailure };

/**
 * SenderDependencies in memory, with a clock the test moves. The store keeps one message and
 * applies the claim and each settlement under the same guards as the outbox store; the
 * provider answers `outcomes` in order; every call is recorded to be counted.
 */
const fakeSender = (options: { message?: Partial<Stored>; outcomes?: SendOutcome[]; lookups?: LookupResult[]; withLookup?: boolean; endpoint?: Endpoint | undefined; openFails?: boolean; slots?: ({ at: number } | { retryAt: number })[]; settleFails?: boolean } = {}) => {
  let time = start.getTime();
  let claims = 0;
  const endpoint = 'endpoint' in options ? options.endpoint : sendingEndpoint;
  let message: Stored = { ...anOutboundMessage({ storedAt: start.toISOString() }), ...options.message } as Stored;
  const outcomes = [...(options.outcomes ?? [])];
  const lookups = [...(options.lookups ?? [])];
  const slots = [...(options.slots ?? [])];
  const calls = {
    claim: 0,
    send: [] as SendRequest[],
    lookup: [] as { request: SendRequest; since: Date }[],
    reserve: [] as { endpointId: string; from: string; perSecond: number; cost: number; now: number; maxWaitMs: number }[],
    settle: [] as { settlement: Settlement; guard: Guard; applied: boolean }[],
    abandon: 0,
    slowDown: [] as { endpointId: string; from: string; until: number }[],
    requeue: [] as { id: string; delaySeconds: number }[],
    pause: [] as { endpointId: string; reason: string; at: number }[],
    optOut: [] as string[],
    sleep: [] as number[],
    observed: [] as SendEvent[],
  };
  const guardHolds = (guard: Guard) =>
    'claimId' in guard ? message.sendState === 'claimed' && message.claimId === guard.claimId : message.sendState === 'unknown' && message.unknownSince === guard.unknownSince;
  const provider: ProviderSender = {
    send: async (request) => {
      calls.send.push(request);
      const outcome = outcomes.shift();
      if (!outcome) throw new Error('the provider was called more often than the test expected');
      return outcome;
    },
    ...(options.withLookup !== false && {
      lookup: async (request: SendRequest, _credentials: SendCredentials, since: Date) => {
        calls.lookup.push({ request, since });
        return lookups.shift() ?? { found: 'unknown' };
      },
    }),
    defaultRate: () => ({ perSecond: 1 }),
    costOf: () => 2,
  };
  const deps: SenderDependencies = {
    claim: async (tenantId, messageId, claimId, now) => {
      calls.claim++;
      if (message.id !== messageId || message.tenantId !== tenantId) return { current: undefined };
      if (message.sendState === 'ready' && Date.parse(message.notBefore) <= now.getTime() && message.statusRank < statusRank.sent) {
        claims++;
        message = { ...message, sendState: 'claimed', claimId, claimedAt: now.toISOString(), status: 'sending', statusRank: statusRank.sending, attempts: message.attempts + 1 };
        return { claimed: { ...message } };
      }
      return { current: { ...message } };
    },
    settle: async (_message, guard, settlement, now) => {
      const applied = !options.settleFails && guardHolds(guard);
      calls.settle.push({ settlement, guard, applied });
      if (!applied) return false;
      const { claimId: _claim, unknownSince: _since, ...rest } = message;
      const at = now.toISOString();
      switch (settlement.kind) {
        case 'sent':
          message = { ...rest, sendState: 'done', providerMessageId: settlement.providerMessageId, sentAt: at, ...(rest.statusRank < statusRank.sent && { status: 'sent', statusRank: statusRank.sent }) };
          break;
        case 'retry':
          message = { ...rest, sendState: 'ready', notBefore: settlement.notBefore, attempts: rest.attempts + settlement.attemptsDelta, lastError: settlement.lastError };
          break;
        case 'unknown':
          message = { ...rest, sendState: 'unknown', unknownSince: at, lastError: settlement.lastError };
          break;
        case 'failed':
          message = { ...rest, sendState: 'done', failure: settlement.failure, ...(rest.statusRank < statusRank.failed && { status: 'failed', statusRank: statusRank.failed }) };
          break;
        case 'done':
          message = { ...rest, sendState: 'done' };
          break;
      }
      return true;
    },
    abandonClaim: async (claimed, now) => {
      calls.abandon++;
      if (message.sendState !== 'claimed' || message.claimId !== claimed.claimId) return false;
      const { claimId: _claim, ...rest } = message;
      message = { ...rest, sendState: 'unknown', unknownSince: now.toISOString() };
      return true;
    },
    endpoint: async (endpointId) => (endpoint?.endpointId === endpointId ? endpoint : undefined),
    openCredentials: async () => {
      if (options.openFails) throw new Error('Unsupported state or unable to authenticate data');
      return credentials;
    },
    sender: async (name) => (name === 'twilio' ? provider : undefined),
    reserve: async ({ endpointId, from }, perSecond, cost, now, maxWaitMs) => {
      calls.reserve.push({ endpointId, from, perSecond, cost, now: now.getTime(), maxWaitMs });
      return slots.shift() ?? { at: now.getTime() };
    },
    slowDown: async ({ endpointId, from }, until) => void calls.slowDown.push({ endpointId, from, until }),
    requeue: async (queued, delaySeconds) => void calls.requeue.push({ id: queued.id, delaySeconds }),
    pauseEndpoint: async (endpointId, reason, now) => void calls.pause.push({ endpointId, reason, at: now.getTime() }),
    optOut: async (optedOut) => void calls.optOut.push(optedOut.id),
    statusCallbackUrl: (endpoint, messageId) => `https://hooks.example.com/webhooks/${endpoint.provider}/${endpoint.endpointId}?sb_message=${messageId}`,
    now: () => new Date(time),
    sleep: async (milliseconds) => {
      calls.sleep.push(milliseconds);
      time += milliseconds;
    },
    newClaimId: () => `claim-${claims + 1}`,
    observe: (event) => void calls.observed.push(event),
  };
  return {
    deps,
    calls,
    message: () => message,
    advance: (milliseconds: number) => void (time += milliseconds),
    now: () => time,
    /** A status callback naming our id moved the message on, as the processor would. */
    receipt: (status: 'sent' | 'delivered' | 'failed') => void (message = { ...message, status, statusRank: statusRank[status] }),
    run: () => sendQueued(message.tenantId, message.id, deps),
  };
};

const accepted: SendOutcome = { kind: 'accepted', providerMessageId: 'SM0123456789abcdef0123456789abcdef' };
const temporary = (retryAfterSeconds?: number): SendOutcome => ({ kind: 'temporary', code: '503', message: 'Service Unavailable', ...(retryAfterSeconds !== undefined && { retryAfterSeconds }) });
const unknown: SendOutcome = { kind: 'unknown', code: 'timeout', message: 'no answer within 10 s' };

afterEach(() => {
  vi.restoreAllMocks();
});

describe('sendQueued', () => {
  it('claims the message, waits for its slot, calls the provider once and settles it sent', async () => {
    // Prepare: the sender's slot is 400 ms away.
    const sender = fakeSender({ outcomes: [accepted], slots: [{ at: start.getTime() + 400 }] });
    const { id } = sender.message();

    // Act
    await sender.run();

    // Assess
    expect(sender.calls.claim).toBe(1);
    expect(sender.calls.reserve).toEqual([{ endpointId: sendingEndpoint.endpointId, from: '+15005550006', perSecond: 1, cost: 2, now: start.getTime(), maxWaitMs: sendTimings.maxSlotWaitMs }]);
    expect(sender.calls.sleep).toEqual([400]);
    expect(sender.calls.send).toEqual([
      {
        messageId: id,
        channel: 'sms',
        from: '+15005550006',
        to: '+14155550100',
        content: { text: 'Your order shipped' },
        statusCallbackUrl: `https://hooks.example.com/webhooks/twilio/${sendingEndpoint.endpointId}?sb_message=${id}`,
      },
    ]);
    expect(sender.calls.settle.map(({ settlement, applied }) => [settlement, applied])).toEqual([[{ kind: 'sent', providerMessageId: accepted.providerMessageId }, true]]);
    expect(sender.calls.requeue).toEqual([]);
    expect(sender.message()).toMatchObject({ sendState: 'done', status: 'sent', providerMessageId: accepted.providerMessageId, attempts: 1 });
    expect(sender.calls.observed).toEqual([{ kind: 'sent', message: expect.objectContaining({ id }), acceptedToSentMs: 400 }]);
  });

  it('sends at the endpoint\'s own rate when it sets one', async () => {
    const sender = fakeSender({ outcomes: [accepted], endpoint: { ...sendingEndpoint, sending: { ...sendingEndpoint.sending!, ratePerSecond: 30 } } });

    await sender.run();

    expect(sender.calls.reserve.map(({ perSecond }) => perSecond)).toEqual([30]);
  });

  it('sends a template, a tagged Messenger reply and media as they were accepted', async () => {
    // Prepare
    const template = { name: 'order_update', language: 'en_US', parameters: ['4512'] };
    const media = [{ url: 'https://cdn.example.com/a.png', contentType: 'image/png' }];
    const sender = fakeSender({ outcomes: [accepted], message: { template, text: '📄 Template order_update: 4512', contentType: 'template', media, humanAgentTag: true } });

    // Act
    await sender.run();

    // Assess
    expect(sender.calls.send[0]).toMatchObject({ content: { template, media }, humanAgentTag: true });
    expect(sender.calls.send[0]?.content.text).toBeUndefined();
  });

  it('sends nothing for a record redelivered after the message was sent', async () => {
    // Prepare
    const sender = fakeSender({ outcomes: [accepted] });
    await sender.run();

    // Act
    await sender.run();
    await sender.run();

    // Assess
    expect(sender.calls.claim).toBe(3);
    expect(sender.calls.send).toHaveLength(1);
    expect(sender.calls.reserve).toHaveLength(1);
    expect(sender.calls.settle).toHaveLength(1);
    expect(sender.calls.requeue).toEqual([]);
  });

  it('sends nothing for a message that is not the tenant\'s', async () => {
    const sender = fakeSender({ outcomes: [accepted] });

    await sendQueued('globex', sender.message().id, sender.deps);

    expect(sender.calls.send).toEqual([]);
    expect(sender.calls.settle).toEqual([]);
    expect(sender.calls.requeue).toEqual([]);
  });

  it('puts an early record back on the queue until the message is due, without claiming it', async () => {
    const sender = fakeSender({ message: { notBefore: new Date(start.getTime() + 42_500).toISOString() } });

    await sender.run();

    expect(sender.calls.requeue).toEqual([{ id: sender.message().id, delaySeconds: 43 }]);
    expect(sender.calls.send).toEqual([]);
    expect(sender.message().sendState).toBe('ready');
  });

  describe('throttled', () => {
    it('slows its sender to the Retry-After, does not count the attempt, and queues it for then', async () => {
      // Prepare
      const sender = fakeSender({ outcomes: [{ kind: 'throttled', code: '20429', message: 'Too Many Requests', retryAfterSeconds: 7 }, accepted] });

      // Act
      await sender.run();

      // Assess
      const until = start.getTime() + 7000;
      expect(sender.calls.slowDown).toEqual([{ endpointId: sendingEndpoint.endpointId, from: '+15005550006', until }]);
      expect(sender.calls.settle.map(({ settlement }) => settlement)).toEqual([
        { kind: 'retry', notBefore: new Date(until).toISOString(), attemptsDelta: -1, lastError: expect.objectContaining({ category: 'throttled', code: '20429' }) },
      ]);
      expect(sender.calls.requeue).toEqual([{ id: sender.message().id, delaySeconds: 7 }]);
      expect(sender.message()).toMatchObject({ sendState: 'ready', attempts: 0 });
    });

    it('slows its sender a second when the provider names no Retry-After', async () => {
      const sender = fakeSender({ outcomes: [{ kind: 'throttled', code: '130429', message: 'Rate limit hit' }] });

      await sender.run();

      expect(sender.calls.slowDown.map(({ until }) => until - start.getTime())).toEqual([sendTimings.defaultThrottleMs]);
      expect(sender.calls.requeue.map(({ delaySeconds }) => delaySeconds)).toEqual([1]);
    });

    it('sends it once the wait is over, counting one attempt in all', async () => {
      // Prepare
      const sender = fakeSender({ outcomes: [{ kind: 'throttled', code: '20429', message: 'Too Many Requests', retryAfterSeconds: 7 }, accepted] });
      await sender.run();

      // Act
      sender.advance(7000);
      await sender.run();

      // Assess
      expect(sender.calls.send).toHaveLength(2);
      expect(sender.message()).toMatchObject({ sendState: 'done', status: 'sent', attempts: 1 });
    });
  });

  describe('temporary failures', () => {
    it('back off with full jitter over an exponential ceiling', () => {
      // Act
      const ceilings = [1, 2, 3, 4, 10, 20].map((attempts) => backoffMs(attempts, () => 1));
      const halves = [1, 2, 3].map((attempts) => backoffMs(attempts, () => 0.5));

      // Assess
      expect(ceilings).toEqual([2000, 4000, 8000, 16_000, 900_000, 900_000]);
      expect(halves).toEqual([1000, 2000, 4000]);
      expect(backoffMs(5, () => 0)).toBe(0);
    });

    it('never wait longer than the cap, nor less than nothing', () => {
      fc.assert(
        fc.property(fc.integer({ min: 0, max: 1000 }), fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), (attempts, draw) => {
          const wait = backoffMs(attempts, () => draw);
          expect(wait).toBeGreaterThanOrEqual(0);
          expect(wait).toBeLessThanOrEqual(sendTimings.backoffCapMs);
        }),
      );
    });

    it('are tried again after the backoff, counted as an attempt', async () => {
      // Prepare: the jitter draws half the ceiling.
      vi.spyOn(Math, 'random').mockReturnValue(0.5);
      const sender = fakeSender({ outcomes: [temporary()] });

      // Act
      await sender.run();

      // Assess
      expect(sender.calls.settle.map(({ settlement }) => settlement)).toEqual([
        { kind: 'retry', notBefore: new Date(start.getTime() + 1000).toISOString(), attemptsDelta: 0, lastError: expect.objectContaining({ category: 'temporary', code: '503' }) },
      ]);
      expect(sender.calls.requeue).toEqual([{ id: sender.message().id, delaySeconds: 1 }]);
      expect(sender.message()).toMatchObject({ sendState: 'ready', attempts: 1 });
      expect(sender.calls.slowDown).toEqual([]);
    });

    it('honour a Retry-After longer than the backoff', async () => {
      vi.spyOn(Math, 'random').mockReturnValue(0.5);
      const sender = fakeSender({ outcomes: [temporary(30)] });

      await sender.run();

      expect(sender.calls.requeue.map(({ delaySeconds }) => delaySeconds)).toEqual([30]);
    });

    it('fail for good once the next try would fall after the message\'s validity', async () => {
      // Prepare: valid for a minute; the jitter draws the whole ceiling, so waits are 2, 4, 8, 16, then 32 s.
      vi.spyOn(Math, 'random').mockReturnValue(1);
      const sender = fakeSender({ message: { validUntil: new Date(start.getTime() + 60_000).toISOString() }, outcomes: Array.from({ length: 5 }, () => temporary()) });

      // Act: each record runs when its delay is over.
      for (let run = 0; run < 5; run++) {
        await sender.run();
        sender.advance((sender.calls.requeue.at(-1)?.delaySeconds ?? 0) * 1000);
      }

      // Assess
      expect(sender.calls.send).toHaveLength(5);
      expect(sender.calls.requeue.map(({ delaySeconds }) => delaySeconds)).toEqual([2, 4, 8, 16]);
      expect(sender.message()).toMatchObject({ sendState: 'done', status: 'failed', attempts: 5, failure: { category: 'temporary', code: '503' } });
      expect(sender.message().failure?.hint).toMatch(/expired/);
      expect(sender.calls.observed.map(({ kind }) => kind)).toEqual(['retry', 'retry', 'retry', 'retry', 'failed']);
    });
  });

  it('fails an expired message without calling the provider', async () => {
    // Prepare
    const sender = fakeSender({ message: { validUntil: new Date(start.getTime() - 1).toISOString() }, outcomes: [accepted] });

    // Act
    await sender.run();

    // Assess
    expect(sender.calls.send).toEqual([]);
    expect(sender.calls.reserve).toEqual([]);
    expect(sender.message()).toMatchObject({ status: 'failed', failure: { category: 'temporary', code: 'expired' } });
  });

  it('puts the record back, uncounted, when its sender\'s next slot is further than it waits', async () => {
    // Prepare
    const sender = fakeSender({ slots: [{ retryAt: start.getTime() + 20_000 }], outcomes: [accepted] });

    // Act
    await sender.run();

    // Assess
    expect(sender.calls.send).toEqual([]);
    expect(sender.calls.sleep).toEqual([]);
    expect(sender.calls.settle.map(({ settlement }) => settlement)).toEqual([
      { kind: 'retry', notBefore: new Date(start.getTime() + 20_000).toISOString(), attemptsDelta: -1, lastError: expect.objectContaining({ category: 'throttled', code: 'rate' }) },
    ]);
    expect(sender.calls.requeue).toEqual([{ id: sender.message().id, delaySeconds: 20 }]);
    expect(sender.message().attempts).toBe(0);
  });

  it('queues a slot further than SQS can delay for its longest delay, again on arrival, sending nothing early', async () => {
    // Prepare
    const sender = fakeSender({ slots: [{ retryAt: start.getTime() + 3600_000 }] });

    // Act
    await sender.run();
    sender.advance(sendTimings.maxQueueDelaySeconds * 1000);
    await sender.run();

    // Assess
    expect(sender.calls.requeue.map(({ delaySeconds }) => delaySeconds)).toEqual([sendTimings.maxQueueDelaySeconds, sendTimings.maxQueueDelaySeconds]);
    expect(sender.calls.send).toEqual([]);
  });

  describe('permanent failures', () => {
    it('fail at once with the provider\'s code, never retried', async () => {
      // Prepare
      const sender = fakeSender({ outcomes: [{ kind: 'failed', category: 'permanent', code: '21211', message: "The 'To' number is not a valid phone number.", hint: 'Check the number.' }] });

      // Act
      await sender.run();
      await sender.run();

      // Assess
      expect(sender.calls.send).toHaveLength(1);
      expect(sender.calls.requeue).toEqual([]);
      expect(sender.message()).toMatchObject({ status: 'failed', failure: { category: 'permanent', code: '21211', hint: 'Check the number.' } });
      expect(sender.calls.optOut).toEqual([]);
      expect(sender.calls.pause).toEqual([]);
    });

    it('keep the provider\'s words to a thousand characters, so that a gateway\'s page of them still fits the message', async () => {
      // Prepare
      const sender = fakeSender({ outcomes: [{ kind: 'failed', category: 'permanent', code: '400', message: 'X'.repeat(600_000), hint: 'Check the gateway.' }] });

      // Act
      await sender.run();

      // Assess
      const failure = (sender.message() as { failure: { message: string } }).failure;
      expect(failure.message).toBe(`${'X'.repeat(1_000)}…`);
    });

    it('remember an opt-out on the conversation', async () => {
      const sender = fakeSender({ outcomes: [{ kind: 'failed', category: 'opted-out', code: '21610', message: 'Attempt to send to unsubscribed recipient', hint: 'They must send START.' }] });

      await sender.run();

      expect(sender.calls.optOut).toEqual([sender.message().id]);
      expect(sender.message().failure?.category).toBe('opted-out');
    });

    it('pause the endpoint on refused credentials, and say so', async () => {
      // Prepare
      const sender = fakeSender({ outcomes: [{ kind: 'failed', category: 'credentials', code: '20003', message: 'Authenticate', hint: 'Set the credentials again.' }] });

      // Act
      await sender.run();

      // Assess
      expect(sender.calls.pause).toEqual([{ endpointId: sendingEndpoint.endpointId, reason: '20003: Authenticate', at: start.getTime() }]);
      expect(sender.calls.observed.map(({ kind }) => kind)).toEqual(['failed', 'paused']);
      expect(sender.calls.observed[1]).toEqual({ kind: 'paused', endpointId: sendingEndpoint.endpointId, reason: '20003' });
      expect(sender.message().failure?.category).toBe('credentials');
    });
  });

  describe('what sending needs', () => {
    it.each([
      ['paused', { endpoint: { ...sendingEndpoint, sending: { ...sendingEndpoint.sending!, pausedAt: '2026-11-22T11:00:00.000Z' } } }],
      ['without credentials', { endpoint: anEndpoint() }],
      ['gone', { endpoint: undefined }],
      ['another tenant\'s', { endpoint: { ...sendingEndpoint, tenantId: 'globex' } }],
      ['with credentials this key cannot open', { openFails: true }],
    ])('fails the message when its endpoint is %s, without calling the provider', async (_case, options) => {
      const sender = fakeSender({ ...options, outcomes: [accepted] });

      await sender.run();

      expect(sender.calls.send).toEqual([]);
      expect(sender.message()).toMatchObject({ status: 'failed', failure: { category: 'credentials', code: 'no_send_credentials' } });
    });
  });

  describe('unknown outcomes', () => {
    it('are never resent at once: settled unknown, and looked at again after the callback wait', async () => {
      // Prepare
      const sender = fakeSender({ outcomes: [unknown] });

      // Act
      await sender.run();

      // Assess
      expect(sender.calls.settle.map(({ settlement }) => settlement.kind)).toEqual(['unknown']);
      expect(sender.calls.requeue).toEqual([{ id: sender.message().id, delaySeconds: sendTimings.callbackWaitMs / 1000 }]);
      expect(sender.message()).toMatchObject({ sendState: 'unknown', unknownSince: start.toISOString(), attempts: 1 });
    });

    it('wait out the rest of the callback wait when their record comes early', async () => {
      const sender = fakeSender({ outcomes: [unknown] });
      await sender.run();

      sender.advance(20_000);
      await sender.run();

      expect(sender.calls.requeue.map(({ delaySeconds }) => delaySeconds)).toEqual([60, 40]);
      expect(sender.calls.lookup).toEqual([]);
      expect(sender.calls.send).toHaveLength(1);
    });

    it('are done when a status callback naming our id moved the message on', async () => {
      // Prepare
      const sender = fakeSender({ outcomes: [unknown] });
      await sender.run();
      sender.receipt('delivered');

      // Act
      sender.advance(sendTimings.callbackWaitMs);
      await sender.run();

      // Assess
      expect(sender.calls.settle.map(({ settlement, guard }) => [settlement.kind, guard])).toEqual([
        ['unknown', { claimId: 'claim-1' }],
        ['done', { unknownSince: start.toISOString() }],
      ]);
      expect(sender.calls.send).toHaveLength(1);
      expect(sender.calls.lookup).toEqual([]);
      expect(sender.message()).toMatchObject({ sendState: 'done', status: 'delivered' });
    });

    it('are sent when the provider, asked after the wait, has the message', async () => {
      // Prepare
      const sender = fakeSender({ outcomes: [unknown], lookups: [{ found: true, providerMessageId: 'SMfound' }] });
      await sender.run();

      // Act
      sender.advance(sendTimings.callbackWaitMs);
      await sender.run();

      // Assess
      expect(sender.calls.lookup).toHaveLength(1);
      expect(sender.calls.lookup[0]?.since).toEqual(new Date(start.getTime() - sendTimings.callTimeoutMs));
      expect(sender.calls.send).toHaveLength(1);
      expect(sender.message()).toMatchObject({ sendState: 'done', status: 'sent', providerMessageId: 'SMfound' });
    });

    it('are sent again, counted, when the provider says it never took the message', async () => {
      // Prepare
      const sender = fakeSender({ outcomes: [unknown, accepted], lookups: [{ found: false }] });
      await sender.run();
      sender.advance(sendTimings.callbackWaitMs);

      // Act
      await sender.run();
      await sender.run();

      // Assess
      expect(sender.calls.settle.map(({ settlement }) => settlement.kind)).toEqual(['unknown', 'retry', 'sent']);
      expect(sender.calls.requeue.map(({ delaySeconds }) => delaySeconds)).toEqual([60, 0]);
      expect(sender.calls.send).toHaveLength(2);
      expect(sender.message()).toMatchObject({ status: 'sent', attempts: 2 });
    });

    it('wait for a callback when the provider cannot be asked, then fail as unknown_outcome, never resent', async () => {
      // Prepare
      const sender = fakeSender({ outcomes: [unknown], withLookup: false });
      await sender.run();

      // Act: a record each callback wait, until the no-lookup wait is over.
      for (let waited = sendTimings.callbackWaitMs; waited <= sendTimings.noLookupWaitMs; waited += sendTimings.callbackWaitMs) {
        sender.advance(sendTimings.callbackWaitMs);
        await sender.run();
      }

      // Assess
      expect(sender.calls.send).toHaveLength(1);
      expect(sender.calls.requeue).toHaveLength(sendTimings.noLookupWaitMs / sendTimings.callbackWaitMs);
      expect(sender.message()).toMatchObject({ sendState: 'done', status: 'failed', failure: { code: 'unknown_outcome' } });
    });
  });

  describe('a claim whose sender vanished', () => {
    it('is left alone within its lease', async () => {
      const sender = fakeSender({ message: { sendState: 'claimed', claimId: 'lost', claimedAt: new Date(start.getTime() - sendTimings.claimLeaseMs).toISOString() } });

      await sender.run();

      expect(sender.calls.abandon).toBe(0);
      expect(sender.calls.requeue).toEqual([]);
    });

    it('becomes an unknown outcome once its lease ran out, and is looked at after the callback wait', async () => {
      // Prepare
      const sender = fakeSender({ message: { sendState: 'claimed', claimId: 'lost', claimedAt: new Date(start.getTime() - sendTimings.claimLeaseMs - 1).toISOString() } });

      // Act
      await sender.run();

      // Assess
      expect(sender.calls.abandon).toBe(1);
      expect(sender.calls.requeue).toEqual([{ id: sender.message().id, delaySeconds: sendTimings.callbackWaitMs / 1000 }]);
      expect(sender.calls.send).toEqual([]);
      expect(sender.message()).toMatchObject({ sendState: 'unknown', unknownSince: start.toISOString() });
    });
  });

  it('queues nothing and reports nothing when its settlement lost to another sender', async () => {
    // Prepare
    const sender = fakeSender({ outcomes: [temporary()], settleFails: true });

    // Act
    await sender.run();

    // Assess
    expect(sender.calls.settle).toHaveLength(1);
    expect(sender.calls.requeue).toEqual([]);
    expect(sender.calls.observed).toEqual([]);
  });
});
