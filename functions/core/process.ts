import type { Envelope } from './envelope.ts';
import { rawBody } from './envelope.ts';
import { PermanentError } from './errors.ts';
import { conversationIdFor, messageIdFor, type ConversationKey } from './ids.ts';
import type { StoredMessage } from './items.ts';
import type { NormalizedMessage } from './message.ts';
import { findProvider } from '../providers/registry.ts';

export type StoreOutcome = 'stored' | 'duplicate';

/** What became of one event of a request: the message as built, and whether it was new. */
export interface ProcessedMessage {
  readonly outcome: StoreOutcome;
  readonly message: StoredMessage;
}

export interface ProcessDependencies {
  /**
   * Stores the message and updates its conversation in one conditional write: 'duplicate'
   * when a message with the same id is already stored.
   */
  saveMessage(message: StoredMessage, conversation: ConversationKey): Promise<StoreOutcome>;
  now(): Date;
}

const toStoredMessage = (event: NormalizedMessage, envelope: Envelope, key: ConversationKey, storedAt: string): StoredMessage => ({
  id: messageIdFor(envelope.provider, event.providerMessageId),
  conversationId: conversationIdFor(key),
  tenantId: envelope.tenantId,
  provider: envelope.provider,
  providerMessageId: event.providerMessageId,
  channel: event.channel,
  direction: event.direction,
  from: event.from,
  to: event.to,
  text: event.text,
  media: event.media,
  ...(event.providerTimestamp === undefined ? {} : { providerTimestamp: event.providerTimestamp }),
  receivedAt: envelope.receivedAt,
  storedAt,
  source: { requestId: envelope.requestId, endpointId: envelope.endpointId },
});

/**
 * Turns one queued request into stored messages. Events are stored one after another, so a
 * duplicate inside one request meets the first copy's conditional write and is skipped.
 */
export const processEnvelope = async (envelope: Envelope, deps: ProcessDependencies): Promise<ProcessedMessage[]> => {
  const provider = findProvider(envelope.provider);
  if (!provider) throw new PermanentError(`no provider named ${envelope.provider}`);
  const events = provider.normalize({ url: envelope.url, headers: envelope.headers, body: rawBody(envelope) });

  const processed: ProcessedMessage[] = [];
  for (const event of events) {
    if (event.kind !== 'message') continue;
    const key: ConversationKey = {
      tenantId: envelope.tenantId,
      channel: event.channel,
      businessAddress: event.businessAddress,
      customerAddress: event.customerAddress,
    };
    const message = toStoredMessage(event, envelope, key, deps.now().toISOString());
    processed.push({ outcome: await deps.saveMessage(message, key), message });
  }
  return processed;
};
