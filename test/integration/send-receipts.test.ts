import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMessageStore, type MessageStore } from '../../functions/adapters/message-store.ts';
import { createOutboxStore, type OutboxStore } from '../../functions/adapters/outbox-store.ts';
import type { ConversationKey } from '../../functions/core/ids.ts';
import { messageKey } from '../../functions/core/items.ts';
import { processEnvelope } from '../../functions/core/process.ts';
import type { OutboundMessage } from '../../functions/core/sending-items.ts';
import { loadProvider } from '../../functions/providers/registry.ts';
import { correlationParam } from '../../functions/providers/twilio/status-callback.ts';
import { aConversationKey, anOutboundMessage, aTwilioEnvelope, endpointUrl } from '../helpers/factories.ts';
import { startDynamoDb } from '../helpers/services.ts';
import { statusCallbackFields } from '../helpers/twilio.ts';

let dynamo: Awaited<ReturnType<typeof startDynamoDb>>;
let messages: MessageStore;
let outbox: OutboxStore;
beforeAll(async () => {
  dynamo = await startDynamoDb();
  messages = createMessageStore(dynamo.documentClient, dynamo.tables.Messages);
  outbox = createOutboxStore(dynamo.documentClient, { messages: dynamo.tables.Messages, sending: dynamo.tables.Sending });
});
afterAll(async () => {
  await dynamo?.stop();
});

const now = new Date(Math.floor(Date.now() / 1000) * 1000);

/** Each test its own customer and Twilio message SID. */
let customers = 0;
const fresh = () => {
  customers++;
  const key: ConversationKey = aConversationKey({ customerAddress: `+1415555${2000 + customers}` });
  return { key, sid: `SM${String(customers).padStart(32, '0')}` };
};

/** A message accepted in `key`'s conversation and claimed by a sender, as the send path leaves it. */
const sending = async (key: ConversationKey): Promise<OutboundMessage> => {
  const message = anOutboundMessage({ storedAt: now.toISOString() }, key, `key-${customers}`);
  expect(await messages.saveMessage(message, key)).toBe('stored');
  const claimed = await outbox.claim('acme', message.id, 'claim-1', now);
  if (!('claimed' in claimed)) throw new Error('expected to claim the message');
  return claimed.claimed;
};

/** Processes one Twilio status callback for `tenantId`'s endpoint, its URL naming `correlationId` when given. */
const statusCallback = (tenantId: string, fields: Record<string, string>, correlationId?: string) =>
  processEnvelope(aTwilioEnvelope(fields, { tenantId, url: correlationId ? `${endpointUrl}?${correlationParam}=${correlationId}` : endpointUrl }), {
    ...messages,
    loadProvider,
    fetchBody: () => Promise.reject(new Error('no body store in this test')),
    now: () => now,
  });

const statusOf = async (message: Pick<OutboundMessage, 'id'>) =>
  (await dynamo.documentClient.send(new GetCommand({ TableName: dynamo.tables.Messages, Key: messageKey(message.id), ConsistentRead: true }))).Item;

describe('receipts of messages Switchboard sent', () => {
  it('move our message forward by the id the callback URL carries, before the sender settled it, and never back', async () => {
    // Prepare
    const { key, sid } = fresh();
    const message = await sending(key);

    // Act
    const delivered = await statusCallback('acme', statusCallbackFields({ MessageSid: sid, To: key.customerAddress, MessageStatus: 'delivered' }), message.id);
    const lateSent = await statusCallback('acme', statusCallbackFields({ MessageSid: sid, To: key.customerAddress, MessageStatus: 'sent' }), message.id);

    // Assess
    expect(delivered.map(({ outcome }) => outcome)).toEqual(['applied']);
    expect(lateSent.map(({ outcome }) => outcome)).toEqual(['stale']);
    expect(await statusOf(message)).toMatchObject({ status: 'delivered', sendState: 'claimed' });
  });

  it('change nothing when the id names another tenant\'s message', async () => {
    // Prepare
    const { key, sid } = fresh();
    const message = await sending(key);
    const before = await statusOf(message);

    // Act: globex's endpoint receives a callback naming acme's message.
    const processed = await statusCallback('globex', statusCallbackFields({ MessageSid: sid, To: key.customerAddress, MessageStatus: 'failed', ErrorCode: '30003' }), message.id);

    // Assess
    expect(processed.map(({ outcome }) => outcome)).not.toContain('applied');
    expect(await statusOf(message)).toEqual(before);
  });

  it('find our message through its alias when the receipt names only the provider\'s id', async () => {
    // Prepare: the sender settled it sent under the provider's SID.
    const { key, sid } = fresh();
    const message = await sending(key);
    expect(await outbox.settle(message, { claimId: 'claim-1' }, { kind: 'sent', providerMessageId: sid }, now)).toBe(true);

    // Act
    const processed = await statusCallback('acme', statusCallbackFields({ MessageSid: sid, To: key.customerAddress, MessageStatus: 'delivered' }));

    // Assess
    expect(processed.map(({ outcome }) => outcome)).toEqual(['applied']);
    expect(await statusOf(message)).toMatchObject({ status: 'delivered', providerMessageId: sid });
  });

  it('do not reach our message through its alias from another tenant\'s endpoint', async () => {
    // Prepare
    const { key, sid } = fresh();
    const message = await sending(key);
    await outbox.settle(message, { claimId: 'claim-1' }, { kind: 'sent', providerMessageId: sid }, now);
    const before = await statusOf(message);

    // Act
    const processed = await statusCallback('globex', statusCallbackFields({ MessageSid: sid, To: key.customerAddress, MessageStatus: 'read' }));

    // Assess
    expect(processed.map(({ outcome }) => outcome)).toEqual(['pending']);
    expect(await statusOf(message)).toEqual(before);
  });

  it('ignore a correlation parameter that is not one of our ids, falling back to the provider\'s id', async () => {
    const { key, sid } = fresh();
    const message = await sending(key);
    await outbox.settle(message, { claimId: 'claim-1' }, { kind: 'sent', providerMessageId: sid }, now);

    await statusCallback('acme', statusCallbackFields({ MessageSid: sid, To: key.customerAddress, MessageStatus: 'delivered' }), 'conv_not-a-message-id-000000');

    expect(await statusOf(message)).toMatchObject({ status: 'delivered' });
  });
});
