import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { acknowledge, webhookUrl, type AckDependencies } from '../../functions/core/ack.ts';
import type { Endpoint } from '../../functions/core/endpoint.ts';
import type { Envelope } from '../../functions/core/envelope.ts';
import { PermanentError } from '../../functions/core/errors.ts';
import type { NormalizedMessage } from '../../functions/core/message.ts';
import { processEnvelope, type ProcessedEvent } from '../../functions/core/process.ts';
import { findEdge, loadProvider, providerNames } from '../../functions/providers/registry.ts';
import type { AckResponse, Provider, SampleRequest } from '../../functions/providers/types.ts';
import { failureStatus, isDomainFailure } from '../../functions/shared/http.ts';

/**
 * One contract for every registered provider: what the ack path and the processor promise
 * whatever the provider. A provider states what the suite cannot read off the interface in its
 * own `contract` (types.ts ProviderContract): the documented properties of its authentication,
 * and credentials to sign its samples with.
 */
const providers: ReadonlyMap<string, Provider> = new Map(await Promise.all(providerNames.map(async (name) => [name, (await loadProvider(name))!] as const)));

const publicBaseUrl = 'https://hooks.example.com/prod';
const endpointId = 'ep_contract0000000000000000000';
const now = new Date('2026-11-23T12:00:00.000Z');
const maxInlineBodyBytes = 16 * 1024;
const maxBodyBytes = 64 * 1024;

const endpointOf = (provider: Provider, secrets: readonly string[]): Endpoint => ({
  endpointId,
  provider: provider.name,
  tenantId: 'acme',
  secrets,
  verifyToken: 'contract-verify-token',
  createdAt: '2026-11-01T00:00:00.000Z',
});

/** The ack path with an in-memory queue and nonce table; the queue refuses the first `queueDownFor` requests. */
const ackWith = (endpoint: Endpoint, { queueDownFor = 0 } = {}) => {
  let refusals = queueDownFor;
  const queued: Envelope[] = [];
  const nonces = new Set<string>();
  const bodies = new Map<string, Buffer>();
  const deps: AckDependencies = {
    findEdge,
    findEndpoint: async (id) => (id === endpoint.endpointId ? endpoint : undefined),
    enqueue: async (envelope) => {
      if (refusals-- > 0) throw new Error('queue unavailable');
      queued.push(envelope);
    },
    claimNonce: async (key) => !nonces.has(key) && Boolean(nonces.add(key)),
    releaseNonce: async (key) => void nonces.delete(key),
    storeBody: async (key, body) => void bodies.set(key, body),
    maxInlineBodyBytes,
    publicBaseUrl,
    maxBodyBytes,
    now: () => now,
  };
  const post = async (request: { body: string | Buffer; headers: Readonly<Record<string, string>> }): Promise<AckResponse> => {
    try {
      return await acknowledge(
        {
          provider: endpoint.provider,
          endpointId: endpoint.endpointId,
          search: '',
          headers: Object.fromEntries(Object.entries(request.headers).map(([name, value]) => [name.toLowerCase(), value])),
          body: Buffer.isBuffer(request.body) ? request.body : Buffer.from(request.body),
          requestId: `req_${queued.length}`,
        },
        deps,
      );
    } catch (error) {
      // Answered as the ack's HTTP edge answers them (shared/http.ts), in the provider's own terms.
      if (isDomainFailure(error)) return { statusCode: failureStatus(error, findEdge(endpoint.provider)?.replayStatus), headers: {}, body: error.message };
      throw error;
    }
  };
  return { post, queued, bodies };
};

/** Processes queued envelopes the way the processor does, keeping everything in memory. */
const processAll = async (envelopes: readonly Envelope[], bodies: ReadonlyMap<string, Buffer> = new Map()): Promise<ProcessedEvent[]> => {
  const messages = new Set<string>();
  const processed: ProcessedEvent[] = [];
  for (const envelope of envelopes) {
    processed.push(
      ...(await processEnvelope(envelope, {
        loadProvider,
        saveMessage: async (message) => (messages.has(message.id) ? 'duplicate' : (messages.add(message.id), 'stored')),
        saveEvent: async () => 'recorded',
        applyPending: async () => [],
        fetchBody: async (key) => bodies.get(key) ?? Promise.reject(new Error(`no body ${key}`)),
        now: () => now,
      })),
    );
  }
  return processed;
};

const flipByte = (body: string, at: number): Buffer => {
  const bytes = Buffer.from(body);
  const index = at % bytes.length;
  bytes[index] = (bytes[index] ?? 0) ^ 0x01;
  return bytes;
};

describe('the provider registry', () => {
  it("registers each provider's edge and its whole under one name, the edge being the whole's", async () => {
    for (const name of providerNames) {
      const [edge, provider] = [findEdge(name), await loadProvider(name)];
      expect(provider?.name).toBe(name);
      expect(edge).toBeDefined();
      for (const [key, value] of Object.entries(edge!)) expect(provider).toHaveProperty(key, value);
    }
  });

  it.each(providerNames)('holds %s to a whole contract: every fact stated, and credentials its endpoints take', async (name) => {
    const provider = await loadProvider(name);
    const credential = z.string().min(1).refine((secret) => provider?.secretRefusal?.(secret) === undefined, 'refused by secretRefusal');
    const contract = z.strictObject({
      signsBody: z.boolean(),
      signsTime: z.boolean(),
      authenticationIn: z.enum(['headers', 'body']),
      refusesReplayWith: z.int().gte(400).lt(500).optional(),
      credentials: z.strictObject({ secret: credential, otherSecret: credential }).refine(({ secret, otherSecret }) => secret !== otherSecret, 'the two credentials are the same'),
    });

    expect(contract.safeParse(provider?.contract).error?.issues ?? []).toEqual([]);
  });

  it('finds nothing under a name it does not register, even one that names a folder', async () => {
    for (const name of ['email', 'unknown', '../providers/twilio', 'constructor', '__proto__']) {
      expect(findEdge(name)).toBeUndefined();
      expect(await loadProvider(name)).toBeUndefined();
    }
  });
});

describe.each(providerNames)('provider %s', (name) => {
  const provider = providers.get(name)!;
  const fact = { ...provider.contract, ...provider.contract.credentials };
  const url = webhookUrl(publicBaseUrl, name, endpointId);
  const sample = (options: { secret?: string; at?: Date; text?: string } = {}): SampleRequest =>
    provider.sample({ url, secret: options.secret ?? fact.secret, text: options.text ?? 'Is my order on its way?', now: options.at ?? now });

  it('acknowledges a signed message with a 2xx, queues it once and normalizes it into that message', async () => {
    // Prepare
    const { post, queued } = ackWith(endpointOf(provider, [fact.secret]));

    // Act
    const response = await post(sample({ text: 'Contract message ✓' }));
    const processed = await processAll(queued);

    // Assess
    expect(response.statusCode).toBeGreaterThanOrEqual(200);
    expect(response.statusCode).toBeLessThan(300);
    expect(queued).toHaveLength(1);
    const messages = processed.flatMap((event) => (event.kind === 'message' ? [event.message] : []));
    expect(messages).toEqual([expect.objectContaining({ direction: 'inbound', tenantId: 'acme', provider: name })]);
    expect(messages[0]?.text).toContain('Contract message ✓');
  });

  it('accepts the older of two secrets during a rotation', async () => {
    const { post, queued } = ackWith(endpointOf(provider, [fact.otherSecret, fact.secret]));

    expect((await post(sample())).statusCode).toBeLessThan(300);
    expect(queued).toHaveLength(1);
  });

  it('refuses a request signed with a secret that is not the endpoint\'s, and queues nothing', async () => {
    const { post, queued } = ackWith(endpointOf(provider, [fact.secret]));

    const response = await post(sample({ secret: fact.otherSecret }));

    expect(response.statusCode).toBe(401);
    expect(queued).toEqual([]);
  });

  it.runIf(fact.authenticationIn === 'headers')('refuses a request without its authentication headers', async () => {
    const { post, queued } = ackWith(endpointOf(provider, [fact.secret]));
    const { body, headers } = sample();
    const contentType = Object.entries(headers).find(([header]) => header.toLowerCase() === 'content-type');

    const response = await post({ body, headers: contentType ? { [contentType[0]]: contentType[1] } : {} });

    expect(response.statusCode).toBe(401);
    expect(queued).toEqual([]);
  });

  it(fact.signsBody ? 'refuses any change to the signed body' : 'accepts a changed body: the provider does not sign it', async () => {
    const signed = sample();
    await fc.assert(
      fc.asyncProperty(fc.nat(), async (at) => {
        const { post, queued } = ackWith(endpointOf(provider, [fact.secret]));
        const response = await post({ body: flipByte(signed.body, at), headers: signed.headers });
        if (fact.signsBody) {
          expect(response.statusCode).toBe(401);
          expect(queued).toEqual([]);
        } else {
          expect(response.statusCode).toBeLessThan(500);
        }
      }),
      { numRuns: 50 },
    );
  });

  it(fact.refusesReplayWith ? `refuses a replayed request with ${fact.refusesReplayWith}` : 'stores a replayed request once', async () => {
    const { post, queued } = ackWith(endpointOf(provider, [fact.secret]));
    const request = sample();

    const first = await post(request);
    const second = await post(request);
    const messages = (await processAll(queued)).filter((event) => event.kind === 'message');

    expect(first.statusCode).toBeLessThan(300);
    if (fact.refusesReplayWith) {
      expect(second.statusCode).toBe(fact.refusesReplayWith);
      expect(queued).toHaveLength(1);
    } else {
      expect(second.statusCode).toBeLessThan(300);
      expect(messages.map((event) => event.outcome)).toEqual(['stored', 'duplicate']);
    }
  });

  it.runIf(fact.refusesReplayWith !== undefined)('accepts the retry of a request the queue could not take', async () => {
    const { post, queued } = ackWith(endpointOf(provider, [fact.secret]), { queueDownFor: 1 });
    const request = sample();

    const whileDown = await post(request);
    const retry = await post(request);

    expect(whileDown.statusCode).toBe(503);
    expect(retry.statusCode).toBeLessThan(300);
    expect(queued).toHaveLength(1);
  });

  it.runIf(fact.signsTime)('refuses a request signed an hour ago', async () => {
    const { post, queued } = ackWith(endpointOf(provider, [fact.secret]));

    const response = await post(sample({ at: new Date(now.getTime() - 3_600_000) }));

    expect([401, 406]).toContain(response.statusCode);
    expect(queued).toEqual([]);
  });

  it('passes a message too large to queue through the body store, whole', async () => {
    const { post, queued, bodies } = ackWith(endpointOf(provider, [fact.secret]));
    const text = `A long message ${'x'.repeat(maxInlineBodyBytes)}`;

    const response = await post(sample({ text }));
    const messages = (await processAll(queued, bodies)).flatMap((event) => (event.kind === 'message' ? [event.message] : []));

    expect(response.statusCode).toBeLessThan(300);
    expect(queued).toEqual([expect.objectContaining({ bodyKey: expect.stringMatching(/^bodies\//) })]);
    expect(messages.map((message) => message.text)).toEqual([expect.stringContaining(text)]);
  });

  it('refuses a body over the size limit before reading it, with 413', async () => {
    const { post, queued } = ackWith(endpointOf(provider, [fact.secret]));
    const { headers } = sample();

    const response = await post({ body: Buffer.alloc(maxBodyBytes + 1, 0x61), headers });

    expect(response.statusCode).toBe(413);
    expect(queued).toEqual([]);
  });

  it('never crashes, answers 5xx or queues anything for arbitrary unsigned input', async () => {
    const header = fc.oneof(fc.constantFrom(...provider.keptHeaders, 'authorization', 'content-type'), fc.string({ maxLength: 20 }));
    await fc.assert(
      fc.asyncProperty(fc.dictionary(header, fc.string({ maxLength: 200 }), { maxKeys: 6 }), fc.uint8Array({ maxLength: 2048 }), async (headers, body) => {
        const { post, queued } = ackWith(endpointOf(provider, [fact.secret]));
        const response = await post({ body: Buffer.from(body), headers });
        expect(response.statusCode).toBeGreaterThanOrEqual(400);
        expect(response.statusCode).toBeLessThan(500);
        expect(queued).toEqual([]);
      }),
      { numRuns: 200 },
    );
  });

  it('normalizes arbitrary bytes into events or a PermanentError (quarantine), never anything else', () => {
    const { headers } = sample();
    const lowerCased = Object.fromEntries(Object.entries(headers).map(([header, value]) => [header.toLowerCase(), value]));
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 2048 }).map((bytes) => Buffer.from(bytes)), fc.json().map((json) => Buffer.from(json))), (body) => {
        try {
          const events = provider.normalize({ url, headers: lowerCased, body });
          expect(Array.isArray(events)).toBe(true);
        } catch (error) {
          expect(error).toBeInstanceOf(PermanentError);
        }
      }),
      { numRuns: 300 },
    );
  });

  it("keeps a message's dedupe id stable across deliveries of the same request", () => {
    const request = sample();
    const normalized = () =>
      provider
        .normalize({ url, headers: Object.fromEntries(Object.entries(request.headers).map(([h, v]) => [h.toLowerCase(), v])), body: Buffer.from(request.body) })
        .filter((event): event is NormalizedMessage => event.kind === 'message')
        .map((event) => event.providerMessageId);

    expect(normalized()).toEqual(normalized());
    expect(normalized()).toHaveLength(1);
  });
});
