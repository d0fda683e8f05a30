import { reactionChange, revisionChange, statusChange, watermarkChange, type ItemChange } from './changes.ts';
import type { Envelope } from './envelope.ts';
import { rawBody } from './envelope.ts';
import { PermanentError } from './errors.ts';
import { conversationIdFor, eventIdFor, messageIdFor, type ConversationKey, type IdScope } from './ids.ts';
import { messageKey, type StoredEvent, type StoredMessage } from './items.ts';
import { withPendingMedia } from './media.ts';
import type { NormalizedEvent, NormalizedMessage, Parties } from './message.ts';
import type { Provider } from '../providers/types.ts';
import { eventsToStore } from './request-parts.ts';

export type StoreOutcome = 'stored' | 'duplicate';
/** What became of an event that is not a message; 'duplicate' when its provider event id was seen before. */
export type EventOutcome = StoredEvent['state'] | 'duplicate';

/** What became of one event of a request. */
export type ProcessedEvent =
  | { readonly kind: 'message'; readonly outcome: StoreOutcome; readonly message: StoredMessage }
  | { readonly kind: StoredEvent['event']['kind']; readonly outcome: EventOutcome; readonly event: StoredEvent };

export interface ProcessDependencies {
  /** The provider a queued request came from, parsers included (the provider registry), or undefined. */
  loadProvider(name: string): Promise<Provider | undefined>;
  /**
   * Stores the message and updates its conversation in one conditional write: 'duplicate'
   * when a message with the same id is already stored.
   */
  saveMessage(message: StoredMessage, conversation: ConversationKey): Promise<StoreOutcome>;
  /**
   * Keeps the event once and makes its change, if any, in the same transaction. The change
   * applies only to an item that exists and only when its condition holds: otherwise the
   * event is kept as pending (no such item yet) or stale (a later state is already there).
   */
  saveEvent(event: StoredEvent, change?: ItemChange): Promise<EventOutcome>;
  /**
   * Applies the changes kept pending for an item (receipts that arrived before their
   * message), each once; `now` orders the changes they make.
   */
  applyPending(targetPk: string, now: string): Promise<{ event: StoredEvent; outcome: EventOutcome }[]>;
  /**
   * The tenant that owns a business account on this endpoint: one provider app (one Meta app,
   * one Twilio account) may serve several tenants. Defaults to the endpoint's tenant.
   */
  tenantOf?(endpointId: string, businessAddress: string): Promise<string | undefined>;
  /**
   * The message Switchboard sent that a provider's id names, through the alias the sender kept
   * (sending-items.ts aliasKeyOf), when it is the tenant's; undefined for any other id.
   */
  sentMessageOf?(providerScopedMessageId: string, tenantId: string): Promise<string | undefined>;
  /** Reads a body the ack put in the body store because it was too large to queue. */
  fetchBody(key: string): Promise<Buffer>;
  now(): Date;
}

/**
 * A DynamoDB item holds 400 KB, and a WebSocket frame 32 KB. Text beyond this is cut at a
 * character boundary and flagged; the whole request stays in the body store (`source.bodyKey`).
 */
export const maxStoredTextBytes = 64 * 1024;

const storedText = (text: string): { text: string; textTruncated?: true } => {
  if (Buffer.byteLength(text) <= maxStoredTextBytes) return { text };
  // Decoding a cut UTF-8 buffer drops a split character as U+FFFD, which is then removed.
  const cut = Buffer.from(text).subarray(0, maxStoredTextBytes).toString('utf8').replace(/\uFFFD$/, '');
  return { text: cut, textTruncated: true };
};

const toStoredMessage = (event: NormalizedMessage, envelope: Envelope, scope: IdScope, key: ConversationKey, storedAt: string): StoredMessage => ({
  id: messageIdFor(scope, event.providerMessageId),
  conversationId: conversationIdFor(key),
  tenantId: key.tenantId,
  provider: envelope.provider,
  providerMessageId: event.providerMessageId,
  channel: event.channel,
  direction: event.direction,
  from: event.from,
  to: event.to,
  ...storedText(event.text),
  media: event.media,
  contentType: event.contentType,
  ...(event.subject !== undefined && { subject: event.subject }),
  ...(event.replyTo !== undefined && { replyTo: event.replyTo }),
  ...(event.details !== undefined && { details: event.details }),
  ...(event.providerTimestamp !== undefined && { providerTimestamp: event.providerTimestamp }),
  receivedAt: envelope.receivedAt,
  storedAt,
  source: { requestId: envelope.requestId, endpointId: envelope.endpointId, ...('bodyKey' in envelope && { bodyKey: envelope.bodyKey }) },
});

/** Our message ids, as a status may carry them back (ids.ts newOutboundMessageId); anything else is not looked up. */
const ourMessageId = /^msg_[\w-]{26}$/;

/** The changes one non-message event makes, one per message it names (a Messenger delivery names several). */
const changesOf = async (event: StoredEvent['event'], scope: IdScope, storedAt: string, deps: ProcessDependencies): Promise<{ suffix: string; change?: ItemChange }[]> => {
  const messageId = (providerMessageId: string) => messageIdFor(scope, providerMessageId);
  switch (event.kind) {
    case 'status': {
      // A receipt for a message Switchboard sent names it: the update's tenant condition still holds it to the tenant's own.
      if (event.correlationId !== undefined && ourMessageId.test(event.correlationId)) return [{ suffix: '', change: statusChange(event, event.correlationId, storedAt) }];
      if (event.providerMessageIds.length > 0) {
        const many = event.providerMessageIds.length > 1;
        const target = async (id: string) => (await deps.sentMessageOf?.(messageId(id), scope.tenantId)) ?? messageId(id);
        return Promise.all(event.providerMessageIds.map(async (id) => ({ suffix: many ? id : '', change: statusChange(event, await target(id), storedAt) })));
      }
      if (event.watermark === undefined) return [{ suffix: '' }];
      return [{ suffix: '', change: watermarkChange({ ...event, watermark: event.watermark }, conversationIdFor({ tenantId: scope.tenantId, ...partiesOf(event) }), storedAt) }];
    }
    case 'reaction':
      return [{ suffix: '', change: reactionChange(event, messageId(event.providerMessageId), storedAt) }];
    case 'revision':
      return [{ suffix: '', change: revisionChange(event, messageId(event.providerMessageId), storedAt) }];
    case 'notice':
      return [{ suffix: '' }];
  }
};

const partiesOf = ({ channel, businessAddress, customerAddress }: Parties): Parties => ({ channel, businessAddress, customerAddress });

/**
 * Turns one queued request into stored messages and events, every one it carries. They are
 * stored one after another, so a duplicate inside one request meets the first copy's
 * conditional write and is skipped.
 */
export const processEnvelope = async (envelope: Envelope, deps: ProcessDependencies): Promise<ProcessedEvent[]> => {
  const provider = await deps.loadProvider(envelope.provider);
  if (!provider) throw new PermanentError(`no provider named ${envelope.provider}`);
  // A part of a split request stores only its range; a request too large for one record throws RequestTooLarge (request-parts.ts).
  const events = await eventsToStore(envelope, async () => provider.normalize({ url: envelope.url, headers: envelope.headers, body: await rawBody(envelope, deps.fetchBody) }));
  const idNamespace = provider.idsUniqueWithin === 'endpoint' ? `${provider.name}/${envelope.endpointId}` : provider.name;

  const tenantOf = async (event: NormalizedEvent): Promise<string> => {
    const routed = event.businessAddress === undefined ? undefined : await deps.tenantOf?.(envelope.endpointId, event.businessAddress);
    return routed ?? envelope.tenantId;
  };

  const processed: ProcessedEvent[] = [];
  for (const event of events) {
    const scope: IdScope = { tenantId: await tenantOf(event), namespace: idNamespace };
    const { tenantId } = scope;
    const storedAt = deps.now().toISOString();
    if (event.kind === 'message') {
      const key: ConversationKey = { tenantId, ...partiesOf(event) };
      // Files it can fetch are marked pending: the media function keeps them, never holding up this write.
      const message = withPendingMedia(toStoredMessage(event, envelope, scope, key, storedAt));
      processed.push({ kind: 'message', outcome: await deps.saveMessage(message, key), message });
      // Also after a duplicate: a redelivery finishes what a crash between the two steps left.
      const applied = await deps.applyPending(messageKey(message.id).pk, deps.now().toISOString());
      processed.push(...applied.map(({ event: stored, outcome }) => ({ kind: stored.event.kind, outcome, event: stored })));
      continue;
    }
    for (const { suffix, change } of await changesOf(event, scope, storedAt, deps)) {
      const stored: StoredEvent = {
        id: eventIdFor(scope, suffix ? `${event.eventId}#${suffix}` : event.eventId),
        tenantId,
        provider: envelope.provider,
        event,
        ...(change && { target: change.key.pk }),
        state: change ? 'applied' : 'recorded',
        receivedAt: envelope.receivedAt,
        storedAt,
        source: { requestId: envelope.requestId, endpointId: envelope.endpointId },
      };
      processed.push({ kind: event.kind, outcome: await deps.saveEvent(stored, change), event: stored });
    }
  }
  return processed;
};
