import { describe, expect, it } from 'vitest';
import { acknowledge, queueUnavailableRetryAfterSeconds, type AckAttempt, type AckDependencies, type InboundWebhook } from '../../../functions/core/ack.ts';
import type { Endpoint } from '../../../functions/core/endpoint.ts';
import { envelopeSchema, type Envelope } from '../../../functions/core/envelope.ts';
import { Refused, Unavailable } from '../../../functions/core/errors.ts';
import { findEdge } from '../../../functions/providers/registry.ts';
import { mailgun } from '../../../functions/providers/mailgun/index.ts';
import { twilio } from '../../../functions/providers/twilio/index.ts';
import { twilioSignature } from '../../../functions/providers/twilio/signature.ts';
import { anEndpoint, authToken, endpointId } from '../../helpers/factories.ts';

const receivedAt = new Date('2026-11-22T12:00:00.000Z');

/** In-memory dependencies that record what the ack path did with them. */
const fakeDependencies = (endpoints: Endpoint[] = [anEndpoint()], overrides: Partial<AckDependencies> = {}) => {
  const queued: Envelope[] = [];
  const lookedUp: string[] = [];
  const deps: AckDependencies = {
    findEdge,
    findEndpoint: async (id) => {
      lookedUp.push(id);
      return endpoints.find((endpoint) => endpoint.endpointId === id);
    },
    enqueue: async (envelope) => {
      queued.push(envelope);
    },
    claimNonce: async () => true,
    releaseNonce: async () => {},
    storeBody: async () => {},
    maxInlineBodyBytes: 64 * 1024,
    publicBaseUrl: 'https://hooks.example.com/prod',
    maxBodyBytes: 64 * 1024,
    now: () => receivedAt,
    ...overrides,
  };
  return { deps, queued, lookedUp };
};

/**
 * A Twilio webhook signed for `signedUrl`. The body holds raw UTF-8 (not percent-encoded) and a
 * CRLF, so only a byte-exact copy survives.
 */
const signedWebhook = (signedUrl: string, { search = '', token = authToken } = {}): InboundWebhook => {
  const body = Buffer.from(
    'MessageSid=SM6fe4c5b1d1a5ee2ef6c7e0b3f6b4b1a0&AccountSid=AC0123456789abcdef0123456789abcdef' +
      '&From=%2B14155550100&To=%2B15005550006&Body=Ol\u00e1 caf\u00e9 \u{1F44B}\r\nsecond line&SmsStatus=received',
    'utf8',
  );
  return {
    provider: 'twilio',
    endpointId,
    search,
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'x-twilio-signature': twilioSignature(token, signedUrl, new URLSearchParams(body.toString('utf8'))),
      'i-twilio-idempotency-token': 'b6c1a7e0-idempotency',
      'user-agent': 'TwilioProxy/1.1',
      'x-forwarded-for': '54.172.60.1',
    },
    body,
    requestId: 'req_ack_1',
  };
};

const expectedUrl = `https://hooks.example.com/prod/webhooks/twilio/${endpointId}`;

/** The rejection of a promise expected to reject; a resolution fails the test. */
const rejectionOf = async (promise: Promise<unknown>): Promise<unknown> =>
  promise.then(
    (value) => {
      throw new Error(`expected a rejection, got ${JSON.stringify(value)}`);
    },
    (error: unknown) => error,
  );

describe('acknowledge', () => {
  it("answers with the provider's acknowledgement once the request is queued", async () => {
    // Prepare
    const { deps, queued } = fakeDependencies();
    const webhook = signedWebhook(`${expectedUrl}?tag=spring`, { search: '?tag=spring' });

    // Act
    const response = await acknowledge(webhook, deps);

    // Assess
    expect(response).toEqual(twilio.acknowledge({ url: '', headers: {}, body: Buffer.alloc(0) }));
    expect(queued).toHaveLength(1);
    const [envelope] = queued;
    expect(envelope).toEqual({
      version: 1,
      requestId: 'req_ack_1',
      provider: 'twilio',
      endpointId,
      tenantId: 'acme',
      receivedAt: '2026-11-22T12:00:00.000Z',
      url: `${expectedUrl}?tag=spring`,
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        'x-twilio-signature': webhook.headers['x-twilio-signature'],
        'i-twilio-idempotency-token': 'b6c1a7e0-idempotency',
      },
      body: webhook.body.toString('base64'),
    });
    expect(envelope).toHaveProperty('body', webhook.body.toString('base64'));
    expect(envelopeSchema.safeParse(envelope).success).toBe(true);
  });

  it('builds the signed URL the same way when the base URL ends with a slash', async () => {
    const { deps, queued } = fakeDependencies([anEndpoint()], { publicBaseUrl: 'https://hooks.example.com/prod/' });

    const response = await acknowledge(signedWebhook(expectedUrl), deps);

    expect(response.statusCode).toBe(200);
    expect(queued.map((envelope) => envelope.url)).toEqual([expectedUrl]);
  });

  it('refuses a bad signature and queues nothing', async () => {
    const { deps, queued } = fakeDependencies();

    const error = await rejectionOf(acknowledge(signedWebhook(expectedUrl, { token: 'not-the-auth-token' }), deps));

    expect(error).toBeInstanceOf(Refused);
    expect(error).toMatchObject({ reason: 'signature' });
    expect(queued).toEqual([]);
  });

  it.each([
    ['an unknown provider', { provider: 'nexmo' }, [anEndpoint()]],
    ['an unknown endpoint', { endpointId: 'ep_unknown' }, [anEndpoint()]],
    ['an endpoint of another provider', {}, [anEndpoint({ provider: 'vonage' })]],
  ] as const)('refuses %s as an unknown endpoint and queues nothing', async (_case, change, endpoints) => {
    const { deps, queued } = fakeDependencies([...endpoints]);

    const error = await rejectionOf(acknowledge({ ...signedWebhook(expectedUrl), ...change }, deps));

    expect(error).toBeInstanceOf(Refused);
    expect(error).toMatchObject({ reason: 'unknown_endpoint' });
    expect(queued).toEqual([]);
  });

  it('refuses a body over the limit as too large before looking the endpoint up', async () => {
    const webhook = signedWebhook(expectedUrl);
    const { deps, queued, lookedUp } = fakeDependencies([anEndpoint()], { maxBodyBytes: webhook.body.length - 1 });

    const error = await rejectionOf(acknowledge(webhook, deps));

    expect(error).toBeInstanceOf(Refused);
    expect(error).toMatchObject({ reason: 'too_large' });
    expect(lookedUp).toEqual([]);
    expect(queued).toEqual([]);
  });

  it('accepts a body of exactly the limit', async () => {
    const webhook = signedWebhook(expectedUrl);
    const { deps, queued } = fakeDependencies([anEndpoint()], { maxBodyBytes: webhook.body.length });

    await acknowledge(webhook, deps);

    expect(queued).toHaveLength(1);
  });

  it('puts a body too large to queue in the body store and queues its key (the claim check)', async () => {
    const webhook = signedWebhook(expectedUrl);
    const stored = new Map<string, Buffer>();
    const { deps, queued } = fakeDependencies([anEndpoint()], {
      maxInlineBodyBytes: webhook.body.length - 1,
      storeBody: async (key, body) => void stored.set(key, body),
    });

    await acknowledge(webhook, deps);

    expect(queued).toEqual([expect.objectContaining({ bodyKey: 'bodies/2026-11-22/req_ack_1', bodyBytes: webhook.body.length })]);
    expect(queued[0]).not.toHaveProperty('body');
    expect(stored.get('bodies/2026-11-22/req_ack_1')?.equals(webhook.body)).toBe(true);
    expect(envelopeSchema.safeParse(queued[0]).success).toBe(true);
  });

  it('is unavailable and queues nothing when the body store refuses a large body', async () => {
    const webhook = signedWebhook(expectedUrl);
    const { deps, queued } = fakeDependencies([anEndpoint()], {
      maxInlineBodyBytes: 10,
      storeBody: async () => {
        throw new Error('S3 SlowDown');
      },
    });

    const error = await rejectionOf(acknowledge(webhook, deps));

    expect(error).toBeInstanceOf(Unavailable);
    expect(error).toMatchObject({ dependency: 'queue' });
    expect(queued).toEqual([]);
  });

  it('is unavailable for a while, keeping the queue error as cause, when the queue refuses', async () => {
    const queueDown = new Error('SQS throttled');
    const { deps } = fakeDependencies([anEndpoint()], {
      enqueue: async () => {
        throw queueDown;
      },
    });

    const error = await rejectionOf(acknowledge(signedWebhook(expectedUrl), deps));

    expect(error).toBeInstanceOf(Unavailable);
    expect(error).toMatchObject({ dependency: 'queue', retryAfterSeconds: queueUnavailableRetryAfterSeconds });
    expect(queueUnavailableRetryAfterSeconds).toBeGreaterThan(0);
    expect((error as Unavailable).cause).toBe(queueDown);
  });

  it('finds the provider through the registry it is given, not one of its own', async () => {
    const named: string[] = [];
    const { deps, queued } = fakeDependencies([anEndpoint()], { findEdge: (name) => (named.push(name), undefined) });

    const error = await rejectionOf(acknowledge(signedWebhook(expectedUrl), deps));

    expect(named).toEqual(['twilio']);
    expect(error).toMatchObject({ reason: 'unknown_endpoint' });
    expect(queued).toEqual([]);
  });
});

describe('acknowledge, replays', () => {
  const mailgunEndpoint = anEndpoint({ provider: 'mailgun', secrets: ['key-mailgun-signing-key'] });
  const mailgunUrl = `https://hooks.example.com/prod/webhooks/mailgun/${endpointId}`;
  const mailgunWebhook = (signedAt: Date): InboundWebhook => {
    const sample = mailgun.sample({ url: mailgunUrl, secret: 'key-mailgun-signing-key', text: 'hello', now: signedAt });
    return { provider: 'mailgun', endpointId, search: '', headers: sample.headers, body: Buffer.from(sample.body), requestId: 'req_mailgun_1' };
  };

  it('refuses a request carrying a one-time token already claimed as replayed, and queues it once', async () => {
    const claimed = new Set<string>();
    const { deps, queued } = fakeDependencies([mailgunEndpoint], { claimNonce: async (key) => !claimed.has(key) && Boolean(claimed.add(key)) });
    const webhook = mailgunWebhook(receivedAt);

    await acknowledge(webhook, deps);
    const error = await rejectionOf(acknowledge(webhook, deps));

    expect(error).toBeInstanceOf(Refused);
    expect(error).toMatchObject({ reason: 'replayed' });
    expect(queued).toHaveLength(1);
  });

  it("refuses a timestamp its provider treats as a replay (Mailgun's stale one) as replayed", async () => {
    const { deps, queued } = fakeDependencies([mailgunEndpoint]);

    const error = await rejectionOf(acknowledge(mailgunWebhook(new Date(receivedAt.getTime() - 3600_000)), deps));

    expect(error).toMatchObject({ reason: 'replayed' });
    expect(queued).toEqual([]);
  });

  it('is unavailable, not refused, when the replay check cannot be made', async () => {
    const down = new Error('DynamoDB throttled');
    const { deps, queued } = fakeDependencies([mailgunEndpoint], {
      claimNonce: async () => {
        throw down;
      },
    });

    const error = await rejectionOf(acknowledge(mailgunWebhook(receivedAt), deps));

    expect(error).toBeInstanceOf(Unavailable);
    expect(error).toMatchObject({ dependency: 'replay_check', retryAfterSeconds: queueUnavailableRetryAfterSeconds, cause: down });
    expect(queued).toEqual([]);
  });
});

describe('acknowledge, its record for the stats', () => {
  /** Dependencies whose record keeps what it was given. */
  const recording = (endpoints: Endpoint[] = [anEndpoint()], overrides: Partial<AckDependencies> = {}) => {
    const recorded: AckAttempt[] = [];
    const fake = fakeDependencies(endpoints, {
      record: async (attempt) => {
        recorded.push(attempt);
      },
      ...overrides,
    });
    return { ...fake, recorded };
  };

  it('starts the record together with the enqueue, not after it', async () => {
    // Prepare: the enqueue completes only once the record has started, and the record only once the enqueue has.
    let recordStarted!: () => void;
    let enqueueStarted!: () => void;
    const recordStarts = new Promise<void>((resolve) => (recordStarted = resolve));
    const enqueueStarts = new Promise<void>((resolve) => (enqueueStarted = resolve));
    const { deps, queued, recorded } = recording([anEndpoint()], {
      enqueue: async (envelope) => {
        enqueueStarted();
        await recordStarts;
        queued.push(envelope);
      },
    });
    const record = deps.record!;
    deps.record = async (attempt) => {
      recordStarted();
      await enqueueStarts;
      await record(attempt);
    };

    // Act: serialized, either would wait for the other forever.
    const response = await acknowledge(signedWebhook(expectedUrl), deps);

    // Assess
    expect(response.statusCode).toBe(200);
    expect(queued).toHaveLength(1);
    expect(recorded).toEqual([
      {
        endpoint: { tenantId: 'acme', endpointId, provider: 'twilio' },
        requestId: 'req_ack_1',
        at: queued[0]?.receivedAt,
        bytes: signedWebhook(expectedUrl).body.length,
        latencyMs: 0,
        answer: { acked: { statusCode: 200 } },
      },
    ]);
  });

  it("records a refusal under the endpoint record's tenant, whatever the request says", async () => {
    // The path names tenant A's endpoint; nothing in the request can move it to another tenant.
    const { deps, recorded } = recording([anEndpoint({ tenantId: 'tenant-a' })]);
    const webhook = { ...signedWebhook(expectedUrl, { token: 'wrong' }), headers: { ...signedWebhook(expectedUrl, { token: 'wrong' }).headers, 'x-tenant-id': 'tenant-b' } };

    const error = await rejectionOf(acknowledge(webhook, deps));

    expect(error).toBeInstanceOf(Refused);
    expect(recorded.map(({ endpoint, answer }) => [endpoint.tenantId, 'refused' in answer && answer.refused instanceof Refused ? answer.refused.reason : 'acked'])).toEqual([['tenant-a', 'signature']]);
  });

  it('records nothing for an unknown endpoint, an unregistered provider or another provider\'s endpoint', async () => {
    const { deps, recorded } = recording([anEndpoint({ provider: 'meta' })]);

    await rejectionOf(acknowledge(signedWebhook(expectedUrl), deps));
    await rejectionOf(acknowledge({ ...signedWebhook(expectedUrl), endpointId: 'ep_nobody' }, deps));
    await rejectionOf(acknowledge({ ...signedWebhook(expectedUrl), provider: 'nope' }, deps));

    expect(recorded).toEqual([]);
  });

  it('records a failed enqueue as the same attempt refused, replacing the acked record', async () => {
    const { deps, recorded } = recording([anEndpoint()], {
      enqueue: async () => {
        throw new Error('SQS down');
      },
    });

    const error = await rejectionOf(acknowledge(signedWebhook(expectedUrl), deps));

    expect(error).toBeInstanceOf(Unavailable);
    expect(recorded.map(({ at, answer, supersedesAcked }) => ({ at, answer: 'acked' in answer ? 'acked' : answer.refused.message, supersedesAcked }))).toEqual([
      { at: receivedAt.toISOString(), answer: 'acked', supersedesAcked: undefined },
      { at: receivedAt.toISOString(), answer: 'queue unavailable, retry later', supersedesAcked: true },
    ]);
  });
});
