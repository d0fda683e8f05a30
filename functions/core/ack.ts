import type { Endpoint } from './endpoint.ts';
import type { Envelope } from './envelope.ts';
import { Refused, Unavailable } from './errors.ts';
import type { AckResponse, ProviderEdge, WebhookRequest } from '../providers/types.ts';

/** A webhook as the HTTP edge received it. */
export interface InboundWebhook {
  readonly provider: string;
  readonly endpointId: string;
  /** The query string as received, with its leading `?`, or empty. */
  readonly search: string;
  /** Header names lower-cased. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Buffer;
  readonly requestId: string;
}

/**
 * What the ack path needs. It answers in the domain's terms: a request it refuses throws
 * `Refused`, one it cannot queue for now `Unavailable` (errors.ts); the HTTP edge answers them.
 */
export interface AckDependencies {
  /** The edge of the provider a webhook URL names (the provider registry), or undefined. */
  findEdge(name: string): ProviderEdge | undefined;
  findEndpoint(endpointId: string): Promise<Endpoint | undefined>;
  /** Resolves only once the queue has durably accepted the envelope. */
  enqueue(envelope: Envelope): Promise<void>;
  /** Keeps a body too large to queue (the claim check); resolves once it is durably stored. */
  storeBody(key: string, body: Buffer): Promise<void>;
  /** Records a one-time value; false when it was already recorded and has not expired. */
  claimNonce(key: string, ttlSeconds: number): Promise<boolean>;
  /** Forgets a claimed value, so the provider's retry of a request that was not queued is not taken for a replay. */
  releaseNonce(key: string): Promise<void>;
  /**
   * Counts a request to a known endpoint and keeps its attempt (functions/core/stats.ts). Best
   * effort: it never rejects. The ack starts it together with the enqueue, never after it.
   * Absent where nothing is counted.
   */
  record?(attempt: AckAttempt): Promise<void>;
  /** The base URL providers call, e.g. https://hooks.example.com or https://…/prod: configuration, never a guess. */
  readonly publicBaseUrl: string;
  /** Larger bodies go to the body store, and the queue carries their key. */
  readonly maxInlineBodyBytes: number;
  /** Larger bodies are refused as too large. */
  readonly maxBodyBytes: number;
  now(): Date;
}

/**
 * How the ack answered a request to a known endpoint, for the stats. A request to an unknown
 * endpoint has no tenant to count it for, and is never recorded.
 */
export interface AckAttempt {
  /** The endpoint record's, never the request's: its tenant keys every write. */
  readonly endpoint: Pick<Endpoint, 'tenantId' | 'endpointId' | 'provider'>;
  readonly requestId: string;
  /** The envelope's receivedAt when queued: the processor settles the attempt by it. */
  readonly at: string;
  readonly bytes: number;
  /**
   * The ack's own time on it, from the request to the answer's decision. A queued request's is
   * measured as its enqueue starts, since it is recorded alongside the enqueue, not after it.
   */
  readonly latencyMs: number;
  readonly answer:
    | { readonly acked: { readonly statusCode: number } }
    /** `replayStatus`: the status the provider's protocol wants for a replay (ProviderEdge.replayStatus). */
    | { readonly refused: Refused | Unavailable; readonly replayStatus?: number };
  /**
   * Set when the request was first recorded as acked and its enqueue then failed: this record
   * replaces that one, so the request is not counted as received twice and no longer as acked.
   */
  readonly supersedesAcked?: true;
}

/** Seconds a provider that retries should wait when the queue is unavailable. */
export const queueUnavailableRetryAfterSeconds = 30;

export const webhookUrl = (publicBaseUrl: string, provider: string, endpointId: string): string =>
  `${publicBaseUrl.replace(/\/+$/, '')}/webhooks/${provider}/${endpointId}`;

const pick = (headers: Readonly<Record<string, string>>, names: readonly string[]): Record<string, string> =>
  Object.fromEntries(names.flatMap((name) => (headers[name] === undefined ? [] : [[name, headers[name]]])));

const unknownEndpoint = () => new Refused('unknown_endpoint', 'unknown endpoint');

/** The endpoint a webhook URL names, with its provider, or refused: the URL says nothing more than that. */
const resolveEndpoint = async (webhook: InboundWebhook, deps: AckDependencies): Promise<{ provider: ProviderEdge; endpoint: Endpoint; request: WebhookRequest }> => {
  const provider = deps.findEdge(webhook.provider);
  if (!provider) throw unknownEndpoint();
  const endpoint = await deps.findEndpoint(webhook.endpointId);
  if (!endpoint || endpoint.provider !== provider.name) throw unknownEndpoint();
  const request: WebhookRequest = {
    url: webhookUrl(deps.publicBaseUrl, provider.name, endpoint.endpointId) + webhook.search,
    headers: webhook.headers,
    body: webhook.body,
  };
  return { provider, endpoint, request };
};

/**
 * The ack path: authenticate the request over its exact bytes, queue it raw, and answer the
 * way the provider expects. It never parses business content: that is the processor's job,
 * and a 2xx is given only once the queue has the request.
 */
export const acknowledge = async (webhook: InboundWebhook, deps: AckDependencies): Promise<AckResponse> => {
  const startedMs = deps.now().getTime();
  if (webhook.body.length > deps.maxBodyBytes) throw new Refused('too_large', `payload larger than ${deps.maxBodyBytes} bytes`);
  const { provider, endpoint, request } = await resolveEndpoint(webhook, deps);
  const attemptOf = (at: Date, answer: AckAttempt['answer']): AckAttempt => ({
    endpoint: { tenantId: endpoint.tenantId, endpointId: endpoint.endpointId, provider: endpoint.provider },
    requestId: webhook.requestId,
    at: at.toISOString(),
    bytes: webhook.body.length,
    latencyMs: Math.max(0, at.getTime() - startedMs),
    answer,
  });
  try {
    return await queueVerified(webhook, deps, { provider, endpoint, request }, attemptOf);
  } catch (error) {
    // A failed enqueue was recorded where it failed, over the acked record made alongside it.
    const recorded = error instanceof Unavailable && error.dependency === 'queue';
    if ((error instanceof Refused || error instanceof Unavailable) && !recorded) {
      await deps.record?.(attemptOf(deps.now(), { refused: error, ...(provider.replayStatus !== undefined && { replayStatus: provider.replayStatus }) }));
    }
    throw error;
  }
};

/** Verifies a resolved request and queues it: the part of the ack path a known endpoint's refusals come from. */
const queueVerified = async (
  webhook: InboundWebhook,
  deps: AckDependencies,
  { provider, endpoint, request }: { provider: ProviderEdge; endpoint: Endpoint; request: WebhookRequest },
  attemptOf: (at: Date, answer: AckAttempt['answer']) => AckAttempt,
): Promise<AckResponse> => {
  const verdict = provider.verify(request, endpoint, deps.now());
  if (!verdict.ok) throw new Refused(verdict.refusal, verdict.reason);
  const nonceKey = verdict.nonce && `${endpoint.endpointId}#${verdict.nonce.key}`;
  if (verdict.nonce && nonceKey && !(await claimNonce(nonceKey, verdict.nonce.ttlSeconds, deps))) {
    throw new Refused('replayed', 'this request was already received (replayed token)');
  }

  const received = deps.now();
  const receivedAt = received.toISOString();
  const fields = {
    version: 1 as const,
    requestId: webhook.requestId,
    provider: provider.name,
    endpointId: endpoint.endpointId,
    tenantId: endpoint.tenantId,
    receivedAt,
    url: request.url,
    headers: pick(webhook.headers, provider.keptHeaders),
  };
  const response = provider.acknowledge(request);
  const enqueue = async () => {
    if (webhook.body.length <= deps.maxInlineBodyBytes) {
      await deps.enqueue({ ...fields, body: webhook.body.toString('base64') });
    } else {
      const bodyKey = bodyKeyFor(webhook.requestId, receivedAt);
      await deps.storeBody(bodyKey, webhook.body);
      await deps.enqueue({ ...fields, bodyKey, bodyBytes: webhook.body.length });
    }
  };
  // Counted alongside the enqueue, never after it: the answer waits for the slower of the two,
  // and the record never rejects. Settled both, so a failed enqueue's correction lands after it.
  const [queued] = await Promise.allSettled([enqueue(), deps.record?.(attemptOf(received, { acked: { statusCode: response.statusCode } }))]);
  if (queued.status === 'rejected') {
    const error: unknown = queued.reason;
    // Should the release fail too, a retry carrying the same token is refused: the cause says so.
    const cause = nonceKey
      ? await deps.releaseNonce(nonceKey).then(
          () => error,
          (releaseError: unknown) => new AggregateError([error, releaseError], 'queueing failed, and so did releasing its replay token'),
        )
      : error;
    const unavailable = new Unavailable('queue', 'queue unavailable, retry later', queueUnavailableRetryAfterSeconds, { cause });
    // The same attempt (its time is its key), now refused; the counts move from acked to the refusal.
    await deps.record?.({ ...attemptOf(received, { refused: unavailable }), supersedesAcked: true });
    throw unavailable;
  }
  return response;
};

/** Grouped by day, so an operator can find a day's large bodies and a lifecycle rule can expire them. */
export const bodyKeyFor = (requestId: string, receivedAt: string): string => `bodies/${receivedAt.slice(0, 10)}/${requestId}`;

const claimNonce = async (key: string, ttlSeconds: number, deps: AckDependencies): Promise<boolean> => {
  try {
    return await deps.claimNonce(key, ttlSeconds);
  } catch (error) {
    // Not knowing whether it is a replay, refuse in a way the provider retries.
    throw new Unavailable('replay_check', 'replay check unavailable, retry later', queueUnavailableRetryAfterSeconds, { cause: error });
  }
};

/** A GET on a webhook URL: the provider's subscription handshake, where it has one. */
export const answerHandshake = async (webhook: InboundWebhook, deps: AckDependencies): Promise<AckResponse> => {
  const { provider, endpoint, request } = await resolveEndpoint(webhook, deps);
  if (!provider.handshake) throw unknownEndpoint();
  return provider.handshake(request, endpoint);
};
