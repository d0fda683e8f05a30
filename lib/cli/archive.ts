import type { EndpointStore } from '../../functions/adapters/endpoint-store.ts';
import type { Endpoint } from '../../functions/core/endpoint.ts';
import { envelopeOf, rawBody, type Envelope } from '../../functions/core/envelope.ts';
import type { NormalizedEvent } from '../../functions/core/message.ts';
import { loadProvider } from '../../functions/providers/registry.ts';
import type { Provider, WebhookRequest } from '../../functions/providers/types.ts';
import { daysOf, receivedIn, type ArchiveRange } from './archive-range.ts';
import { requeue } from './dlq.ts';
import { formatTable } from './table.ts';
import { resolveQueueTarget, resolveTarget, type QueueTarget } from './target.ts';

/** What the archive commands reach: the body bucket and ingest queue, and the endpoints as they are now. */
export interface ArchiveTarget {
  readonly queue: QueueTarget;
  readonly endpoints: EndpointStore;
}

export const resolveArchiveTarget = async (stackName: string | undefined): Promise<ArchiveTarget> => {
  const [queue, { endpoints }] = await Promise.all([resolveQueueTarget(stackName), resolveTarget(stackName)]);
  return { queue, endpoints };
};

/** Which archived requests a command takes. */
export interface ArchiveFilter {
  readonly range: ArchiveRange;
  readonly endpointId?: string;
  readonly tenantId?: string;
  /** A provider's id of a message or event the request carries. */
  readonly providerId?: string;
}

/** Archived envelopes read at once: one GET each, in parallel, but not so many that S3 or the terminal's socket pool chokes. */
const readConcurrency = 16;

/** One archived request, read back and looked at: what both commands decide on. */
export interface Examined {
  /** The archived text, exactly: what a replay queues again. */
  readonly text: string;
  readonly envelope: Envelope;
  /** The endpoint the request came in on, as it is now; undefined once removed. */
  readonly endpoint: Endpoint | undefined;
  readonly provider: Provider | undefined;
  /** The request's exact bytes; undefined when a large body is no longer kept. */
  readonly body: Buffer | undefined;
  /** What the provider's parser finds in it, or why it finds nothing. */
  readonly events: { readonly parsed: readonly NormalizedEvent[] } | { readonly unparsed: string };
}

/**
 * The tenant an event is stored under: the tenant a shared app's route names for its business
 * account, else the endpoint's (the processor's rule, process.ts tenantOf).
 */
const tenantOfEvent = (event: NormalizedEvent, examined: Pick<Examined, 'envelope' | 'endpoint'>): string =>
  (event.businessAddress !== undefined ? examined.endpoint?.routes?.[event.businessAddress] : undefined) ?? examined.envelope.tenantId;

const eventsOf = (examined: Pick<Examined, 'events'>): readonly NormalizedEvent[] => ('parsed' in examined.events ? examined.events.parsed : []);

/** Every tenant a request is for: its endpoint's when it came in, and each its events are routed to. */
export const tenantsOf = (examined: Pick<Examined, 'envelope' | 'endpoint' | 'events'>): string[] => [
  ...new Set([examined.envelope.tenantId, ...eventsOf(examined).map((event) => tenantOfEvent(event, examined))]),
];

/** The provider's ids of what an event is and is about: its message's id, or its own id and the messages it names. */
const providerIdsOfEvent = (event: NormalizedEvent): string[] => {
  switch (event.kind) {
    case 'message':
      return [event.providerMessageId];
    case 'status':
      return [event.eventId, ...event.providerMessageIds];
    case 'reaction':
    case 'revision':
      return [event.eventId, event.providerMessageId];
    case 'notice':
      return [event.eventId];
  }
};

/** The provider ids a request carries, of one tenant's events only when the filter names a tenant: another tenant's ids are not shown. */
export const providerIdsOf = (examined: Pick<Examined, 'envelope' | 'endpoint' | 'events'>, tenantId: string | undefined): string[] => [
  ...new Set(
    eventsOf(examined)
      .filter((event) => tenantId === undefined || tenantOfEvent(event, examined) === tenantId)
      .flatMap(providerIdsOfEvent),
  ),
];

/** Whether the filter takes this request. */
export const selects = (filter: ArchiveFilter, examined: Pick<Examined, 'envelope' | 'endpoint' | 'events'>): boolean =>
  receivedIn(filter.range, examined.envelope.receivedAt) &&
  (filter.endpointId === undefined || examined.envelope.endpointId === filter.endpointId) &&
  (filter.tenantId === undefined || tenantsOf(examined).includes(filter.tenantId)) &&
  (filter.providerId === undefined || providerIdsOf(examined, filter.tenantId).includes(filter.providerId));

/** `fn` over every item, at most `limit` at a time, results in the items' order; the first failure fails it all. */
const mapPooled = async <Item, Result>(items: readonly Item[], limit: number, fn: (item: Item) => Promise<Result>): Promise<Result[]> => {
  const results: Result[] = [];
  let next = 0;
  let failed = false;
  const worker = async () => {
    while (next < items.length && !failed) {
      const index = next++;
      try {
        results[index] = await fn(items[index] as Item);
      } catch (error) {
        failed = true;
        throw error;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
};

/** S3's word for an object that is not there: a large body past its retention. */
const isMissingObject = (error: unknown): boolean => error instanceof Error && error.cause instanceof Error && error.cause.name === 'NoSuchKey';

/** Looks each endpoint and provider up once however many requests name it. */
const cachedBy = <Value>(load: (key: string) => Promise<Value>) => {
  const cache = new Map<string, Promise<Value>>();
  return (key: string): Promise<Value> => {
    let value = cache.get(key);
    if (!value) cache.set(key, (value = load(key)));
    return value;
  };
};

/** What was read of a range of the archive: the requests the filter takes, oldest first, and the keys that held no envelope. */
export interface ArchiveReading {
  readonly selected: Examined[];
  readonly notEnvelopes: string[];
}

/**
 * The archived requests the filter takes. Each day of the range is listed, and every envelope
 * in it read (one GET each, and one more for a large body); only what the filter takes is kept.
 */
export const readArchive = async (target: ArchiveTarget, filter: ArchiveFilter): Promise<ArchiveReading> => {
  const { bodies } = target.queue;
  const endpointOf = cachedBy((endpointId) => target.endpoints.get(endpointId));
  const providerOf = cachedBy(loadProvider);
  const keys = (await Promise.all(daysOf(filter.range).map((day) => bodies.list(`archive/${day}/`)))).flat();
  const notEnvelopes: string[] = [];
  const read = await mapPooled(keys, readConcurrency, async (key): Promise<Examined | undefined> => {
    const text = (await bodies.get(key)).toString('utf8');
    const envelope = envelopeOf(text);
    if (!envelope) {
      notEnvelopes.push(key);
      return undefined;
    }
    // Cheap checks first: a request outside them costs no endpoint, body or parse.
    if (!receivedIn(filter.range, envelope.receivedAt) || (filter.endpointId !== undefined && envelope.endpointId !== filter.endpointId)) return undefined;
    const [endpoint, provider, body] = await Promise.all([
      endpointOf(envelope.endpointId),
      providerOf(envelope.provider),
      rawBody(envelope, (bodyKey) => bodies.get(bodyKey)).catch((error: unknown) => {
        if (isMissingObject(error)) return undefined;
        throw error;
      }),
    ]);
    const examined: Examined = { text, envelope, endpoint, provider, body, events: parse(provider, envelope, body) };
    return selects(filter, examined) ? examined : undefined;
  });
  const selected = read.filter((examined) => examined !== undefined).sort((a, b) => a.envelope.receivedAt.localeCompare(b.envelope.receivedAt));
  return { selected, notEnvelopes: notEnvelopes.sort() };
};

/** The request as the provider sent it, rebuilt from its envelope: what verify and normalize take. */
export const webhookRequestOf = (envelope: Envelope, body: Buffer): WebhookRequest => ({ url: envelope.url, headers: envelope.headers, body });

const parse = (provider: Provider | undefined, envelope: Envelope, body: Buffer | undefined): Examined['events'] => {
  if (!provider) return { unparsed: `no provider named ${envelope.provider}` };
  if (!body) return { unparsed: 'its large body is no longer kept' };
  try {
    return { parsed: provider.normalize(webhookRequestOf(envelope, body)) };
  } catch {
    // The parser's message may quote the payload: say only that it failed.
    return { unparsed: `not a ${envelope.provider} payload the parser understands` };
  }
};

/** An archived request as `archive search` lists it: where it came from and what it carries, never its content. */
export interface ArchivedRequest {
  readonly receivedAt: string;
  readonly requestId: string;
  readonly tenantId: string;
  readonly endpointId: string;
  readonly provider: string;
  readonly bytes: number;
  readonly providerIds: string[];
  /** Why no ids could be found in it. */
  readonly unparsed?: string;
}

const bytesOf = (envelope: Envelope): number => ('body' in envelope ? Buffer.from(envelope.body, 'base64').length : envelope.bodyBytes);

export const describeArchived = (examined: Examined, tenantId: string | undefined): ArchivedRequest => ({
  receivedAt: examined.envelope.receivedAt,
  requestId: examined.envelope.requestId,
  tenantId: examined.envelope.tenantId,
  endpointId: examined.envelope.endpointId,
  provider: examined.envelope.provider,
  bytes: bytesOf(examined.envelope),
  providerIds: providerIdsOf(examined, tenantId),
  ...('unparsed' in examined.events && { unparsed: examined.events.unparsed }),
});

export interface SearchResult {
  readonly requests: ArchivedRequest[];
  /** Keys under archive/ in the range's days that hold no Switchboard envelope: never searched, never replayed. */
  readonly notEnvelopes: string[];
}

export const searchArchive = async (target: ArchiveTarget, filter: ArchiveFilter): Promise<SearchResult> => {
  const { selected, notEnvelopes } = await readArchive(target, filter);
  return { requests: selected.map((examined) => describeArchived(examined, filter.tenantId)), notEnvelopes };
};

const notEnvelopeLines = (keys: readonly string[]): string[] =>
  keys.length === 0 ? [] : [`${keys.length} archived object${keys.length === 1 ? ' is' : 's are'} not a Switchboard envelope, and left out: ${keys.join(', ')}`];

export const formatSearch = ({ requests, notEnvelopes }: SearchResult): string[] => [
  ...(requests.length === 0
    ? ['No archived requests in that range.']
    : formatTable(
        ['RECEIVED AT', 'REQUEST', 'TENANT', 'ENDPOINT', 'PROVIDER', 'BYTES', 'PROVIDER IDS'],
        requests.map((request) => [
          request.receivedAt,
          request.requestId,
          request.tenantId,
          request.endpointId,
          request.provider,
          String(request.bytes),
          request.unparsed !== undefined ? `- (${request.unparsed})` : request.providerIds.join(' ') || '-',
        ]),
      )),
  ...notEnvelopeLines(notEnvelopes),
];

/** Why an archived request is not replayed. */
export const refusalReasons = {
  endpoint_gone: 'endpoint gone',
  tenant_changed: "endpoint now another tenant's",
  body_gone: 'large body no longer kept',
  not_verified: 'no longer verifies',
  other_tenants: "carries another tenant's events",
} as const;

export type RefusalReason = keyof typeof refusalReasons;

export type ReplayVerdict = { readonly replay: true } | { readonly replay: false; readonly reason: RefusalReason; readonly detail: string };

/**
 * Whether an archived request may go through the processor again: only as the ack would take
 * it now, from the endpoint it came in on, still its tenant's, and verified with the endpoint's
 * current secrets at the time it was received (so a signed timestamp holds as it did then; a
 * one-time token is not claimed again, the processor's dedupe makes a replay harmless). With
 * `tenantId`, a request that also carries another tenant's events (a shared app's routes) is
 * left alone: replaying it would process theirs too.
 */
export const replayVerdict = (examined: Examined, tenantId: string | undefined): ReplayVerdict => {
  const { envelope, endpoint, provider, body } = examined;
  if (!endpoint || endpoint.provider !== envelope.provider) return { replay: false, reason: 'endpoint_gone', detail: `no ${envelope.provider} endpoint ${envelope.endpointId}` };
  if (endpoint.tenantId !== envelope.tenantId) return { replay: false, reason: 'tenant_changed', detail: `received for ${envelope.tenantId}` };
  if (!provider) return { replay: false, reason: 'endpoint_gone', detail: `no provider named ${envelope.provider}` };
  if (!body) return { replay: false, reason: 'body_gone', detail: 'bodyKey' in envelope ? envelope.bodyKey : '' };
  const verdict = provider.verify(webhookRequestOf(envelope, body), endpoint, new Date(envelope.receivedAt));
  if (!verdict.ok) return { replay: false, reason: 'not_verified', detail: verdict.reason };
  const others = tenantId === undefined ? [] : tenantsOf(examined).filter((tenant) => tenant !== tenantId);
  if (others.length > 0) return { replay: false, reason: 'other_tenants', detail: others.join(' ') };
  return { replay: true };
};

/** An archived request as `archive replay` reports it. */
export interface ReplayedRequest {
  readonly receivedAt: string;
  readonly requestId: string;
  readonly tenantId: string;
  readonly endpointId: string;
  readonly provider: string;
  /** Its id on the ingest queue; absent on a dry run. */
  readonly sqsMessageId?: string;
}

export interface RefusedRequest extends Omit<ReplayedRequest, 'sqsMessageId'> {
  readonly reason: RefusalReason;
  readonly detail: string;
}

export interface ReplayResult {
  readonly dryRun: boolean;
  readonly replayed: ReplayedRequest[];
  readonly refused: RefusedRequest[];
  readonly notEnvelopes: string[];
}

const whereFrom = ({ envelope }: Examined) => ({
  receivedAt: envelope.receivedAt,
  requestId: envelope.requestId,
  tenantId: envelope.tenantId,
  endpointId: envelope.endpointId,
  provider: envelope.provider,
});

/**
 * Queues the archived requests the filter takes again, oldest first, each exactly as it was
 * archived and in its tenant's group, as the ack queued it: the processor stores what it lacks
 * and skips, as duplicates, what it has. On a dry run nothing is queued.
 */
export const replayArchive = async (target: ArchiveTarget, filter: Omit<ArchiveFilter, 'providerId'>, { dryRun }: { dryRun: boolean }): Promise<ReplayResult> => {
  const { selected, notEnvelopes } = await readArchive(target, filter);
  const replayed: ReplayedRequest[] = [];
  const refused: RefusedRequest[] = [];
  for (const examined of selected) {
    const verdict = replayVerdict(examined, filter.tenantId);
    if (!verdict.replay) {
      refused.push({ ...whereFrom(examined), reason: verdict.reason, detail: verdict.detail });
      continue;
    }
    if (dryRun) {
      replayed.push(whereFrom(examined));
      continue;
    }
    const { queue } = target;
    replayed.push({ ...whereFrom(examined), sqsMessageId: await requeue(queue.sqs, queue.ingestQueueUrl, examined.text, examined.envelope.tenantId) });
  }
  return { dryRun, replayed, refused, notEnvelopes };
};

const plural = (count: number, word: string) => `${count} ${word}${count === 1 ? '' : 's'}`;

const refusalCounts = (refused: readonly RefusedRequest[]): string =>
  Object.entries(refusalReasons)
    .map(([reason, words]) => [refused.filter((request) => request.reason === reason).length, words] as const)
    .filter(([count]) => count > 0)
    .map(([count, words]) => `${count} ${words}`)
    .join(', ');

export const describeReplay = ({ dryRun, replayed, refused, notEnvelopes }: ReplayResult): string[] => {
  if (replayed.length + refused.length === 0) return ['No archived requests in that range.', ...notEnvelopeLines(notEnvelopes)];
  const refusals = refused.length === 0 ? '' : `; ${dryRun ? 'would refuse' : 'refused'} ${refused.length}: ${refusalCounts(refused)}`;
  const summary = dryRun
    ? `Dry run, nothing sent: would replay ${plural(replayed.length, 'archived request')}${refusals}.`
    : `Replayed ${plural(replayed.length, 'archived request')} on the ingest queue${refusals}.`;
  // A dry run lists both kinds, so what a replay would do can be checked first; a replay lists what it left alone.
  const rows = [
    ...(dryRun ? replayed.map((request) => ({ ...request, outcome: 'would replay' })) : []),
    ...refused.map((request) => ({ ...request, outcome: `${refusalReasons[request.reason]}${request.detail ? `: ${request.detail}` : ''}` })),
  ].sort((a, b) => a.receivedAt.localeCompare(b.receivedAt));
  return [
    summary,
    ...(rows.length === 0
      ? []
      : ['', ...formatTable(['RECEIVED AT', 'REQUEST', 'TENANT', 'ENDPOINT', 'PROVIDER', 'OUTCOME'], rows.map((row) => [row.receivedAt, row.requestId, row.tenantId, row.endpointId, row.provider, row.outcome]))]),
    ...notEnvelopeLines(notEnvelopes),
  ];
};
