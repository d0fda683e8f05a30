import { describe, expect, it } from 'vitest';
import { acceptSend, type AcceptDependencies, type Item, type SendAnswer, type SendCommand } from '../../../functions/core/accept.ts';
import type { Endpoint } from '../../../functions/core/endpoint.ts';
import { conversationIdFor, type ConversationKey } from '../../../functions/core/ids.ts';
import { statusRank } from '../../../functions/core/items.ts';
import { idempotencyKeyOf, type IdempotencyRecord, type OutboundMessage } from '../../../functions/core/sending-items.ts';
import { errorResponse } from '../../../functions/shared/http.ts';
import { aConversationKey, anEndpoint } from '../../helpers/factories.ts';

const start = new Date('2026-11-22T12:00:00.000Z');
const hour = 3600_000;
const before = (milliseconds: number) => new Date(start.getTime() - milliseconds).toISOString();

const sendingSettings = { sealedCredentials: 'v1.sealed', defaultFrom: '+15005550006', updatedAt: '2026-11-01T00:00:00.000Z' };
const twilioEndpoint = anEndpoint({ endpointId: 'ep_twilio', sending: sendingSettings });
const metaEndpoint = anEndpoint({ endpointId: 'ep_meta', provider: 'meta', sending: { ...sendingSettings, defaultFrom: 'PHONE_ID_ACME' } });
/** One Meta app for several tenants: each business account is routed to its tenant. */
const sharedMetaEndpoint = anEndpoint({ endpointId: 'ep_shared', provider: 'meta', tenantId: 'platform', routes: { PAGE_ACME: 'acme', PAGE_GLOBEX: 'globex' }, sending: sendingSettings });

const smsKey = aConversationKey();
const whatsappKey = aConversationKey({ channel: 'whatsapp', businessAddress: 'PHONE_ID_ACME', customerAddress: '5511987654321' });
const messengerKey = aConversationKey({ channel: 'messenger', businessAddress: 'PAGE_ACME', customerAddress: 'PSID_1' });
const globexKey = aConversationKey({ tenantId: 'globex', customerAddress: '+14155550199' });

const conversationItem = (key: ConversationKey, endpoint: Endpoint, overrides: Item = {}): Item => ({
  entity: 'conversation',
  id: conversationIdFor(key),
  ...key,
  provider: endpoint.provider,
  endpointId: endpoint.endpointId,
  lastInboundAt: before(hour),
  ...overrides,
});

/**
 * AcceptDependencies in memory. `store` is atomic as the table's transaction is: a key already
 * recorded makes it write nothing and answer 'taken'. `sleep` moves the clock and then runs
 * `duringWait`, standing for the sender moving the message on meanwhile.
 */
const fakeSending = (options: { conversations?: Item[]; endpoints?: Endpoint[]; enqueueFails?: boolean } = {}) => {
  let time = start.getTime();
  const conversations = new Map((options.conversations ?? []).map((item) => [item.id as string, { ...item }]));
  const endpoints = new Map((options.endpoints ?? [twilioEndpoint, metaEndpoint, sharedMetaEndpoint]).map((endpoint) => [endpoint.endpointId, endpoint]));
  const records = new Map<string, Item>();
  const keyOf = (item: { pk?: unknown; sk?: unknown }) => `${String(item.pk)}|${String(item.sk)}`;
  const messages = new Map<string, Item>();
  const stored: { message: OutboundMessage; conversation: ConversationKey; records: readonly Item[] }[] = [];
  const storeCalls: string[] = [];
  const enqueued: { id: string; tenantId: string; channel: string }[] = [];
  const enqueueFailures: string[] = [];
  const slept: number[] = [];
  let duringWait: (() => void) | undefined;
  const deps: AcceptDependencies = {
    conversation: async (conversationId) => conversations.get(conversationId),
    endpoint: async (endpointId) => endpoints.get(endpointId),
    idempotencyRecord: async (tenantId, key) => records.get(keyOf(idempotencyKeyOf(tenantId, key))) as IdempotencyRecord | undefined,
    store: async (message, conversation, items) => {
      storeCalls.push(message.id);
      // The message's own put is conditional too: its id follows the tenant and the key.
      // Only the idempotency record's put is conditional; a marker shares its shard's partition with others.
      const record = items.find((item) => String(item.pk).startsWith('IDEM#'));
      if ((record && records.has(keyOf(record))) || messages.has(message.id)) return 'taken';
      for (const item of items) records.set(keyOf(item), item);
      messages.set(message.id, { ...message });
      stored.push({ message, conversation, records: items });
      return 'stored';
    },
    enqueue: async (message) => {
      enqueued.push({ id: message.id, tenantId: message.tenantId, channel: message.channel });
      if (options.enqueueFails) throw new Error('queue unavailable');
    },
    message: async (messageId) => messages.get(messageId),
    now: () => new Date(time),
    sleep: async (milliseconds) => {
      slept.push(milliseconds);
      time += milliseconds;
      duringWait?.();
    },
    onEnqueueFailed: (_error, messageId) => void enqueueFailures.push(messageId),
  };
  return {
    deps,
    stored,
    storeCalls,
    enqueued,
    enqueueFailures,
    slept,
    messages,
    records,
    elapsed: () => time - start.getTime(),
    whileWaiting: (action: () => void) => (duringWait = action),
  };
};

const reply = (conversationId: string, overrides: Partial<SendCommand> = {}): SendCommand => ({
  tenantId: 'acme',
  target: { conversationId },
  idempotencyKey: 'key-1',
  body: { text: 'Your order shipped' },
  requestId: 'req_1',
  ...overrides,
});

const firstMessage = (body: Item, overrides: Partial<SendCommand> = {}): SendCommand => ({
  tenantId: 'acme',
  target: { firstMessage: true },
  idempotencyKey: 'key-1',
  body: { channel: 'sms', endpointId: 'ep_twilio', to: '+14155550111', text: 'Hello', ...body },
  requestId: 'req_1',
  ...overrides,
});

/** What the caller sees of a refusal: its status and JSON body, as the API answers it. */
const refusalOf = async (answer: Promise<SendAnswer>): Promise<{ statusCode: number; body: Item }> => {
  try {
    await answer;
  } catch (error) {
    const response = errorResponse(error);
    return { statusCode: response.statusCode, body: JSON.parse(response.body) as Item };
  }
  throw new Error('expected the send to be refused');
};

describe('acceptSend', () => {
  describe('refuses a request it cannot take, storing and queueing nothing', () => {
    it.each([
      ['no Idempotency-Key', undefined, /Idempotency-Key header is required/],
      ['an empty Idempotency-Key', '', /1 to 255 printable ASCII/],
      ['an Idempotency-Key with a space', 'key 1', /1 to 255 printable ASCII/],
      ['an Idempotency-Key of 256 characters', 'k'.repeat(256), /1 to 255 printable ASCII/],
      ['a non-ASCII Idempotency-Key', 'clé', /1 to 255 printable ASCII/],
    ])('%s: 400', async (_case, idempotencyKey, message) => {
      // Prepare
      const sending = fakeSending({ conversations: [conversationItem(smsKey, twilioEndpoint)] });

      // Act
      const refusal = await refusalOf(acceptSend(reply(conversationIdFor(smsKey), { idempotencyKey }), sending.deps));

      // Assess
      expect(refusal).toEqual({ statusCode: 400, body: { reason: 'bad_request', error: expect.stringMatching(message) } });
      expect(sending.storeCalls).toEqual([]);
      expect(sending.enqueued).toEqual([]);
    });

    it.each([
      ['nothing to send', {}, 'a message needs text, media or a template'],
      ['empty text', { text: '' }, 'text: text must not be empty'],
      ['text too long', { text: 'x'.repeat(4097) }, 'text: text is longer than 4096 characters'],
      ['a media URL that is not http(s)', { media: [{ url: 'file:///etc/passwd', contentType: 'image/png' }] }, 'media.0.url: media url must be an http(s) URL the provider can fetch'],
      ['a media content type that is not a MIME type', { media: [{ url: 'https://cdn.example.com/a.png', contentType: 'png' }] }, 'media.0.contentType: media contentType must be a MIME type, e.g. image/jpeg'],
      ['eleven media items', { media: Array.from({ length: 11 }, () => ({ url: 'https://cdn.example.com/a.png', contentType: 'image/png' })) }, 'media: at most 10 media items'],
      ['a template with text', { text: 'hi', template: { name: 'order_update', language: 'en_US' } }, 'a template is sent alone: leave out text and media'],
      ['a template language that is not a code', { template: { name: 'order_update', language: 'English' } }, 'template.language: template language must be a code like en or en_US'],
    ])('%s: 400 with a clear message', async (_case, body, message) => {
      // Prepare
      const sending = fakeSending({ conversations: [conversationItem(smsKey, twilioEndpoint)] });

      // Act
      const refusal = await refusalOf(acceptSend(reply(conversationIdFor(smsKey), { body }), sending.deps));

      // Assess
      expect(refusal).toEqual({ statusCode: 400, body: { reason: 'bad_request', error: message } });
      expect(sending.storeCalls).toEqual([]);
    });

    it.each([
      ['an unknown field', { text: 'hi', channel: 'sms' }, /channel/],
      ['a body that is not an object', 'hello', /object/],
      ['text that is not a string', { text: 5 }, /^text: .*string/],
    ])('%s: 400 naming what is wrong, not just "Invalid input"', async (_case, body, message) => {
      // Prepare
      const sending = fakeSending({ conversations: [conversationItem(smsKey, twilioEndpoint)] });

      // Act
      const refusal = await refusalOf(acceptSend(reply(conversationIdFor(smsKey), { body }), sending.deps));

      // Assess
      expect(refusal).toEqual({ statusCode: 400, body: { reason: 'bad_request', error: expect.stringMatching(message) } });
    });

    it.each([-1, 11, 1.5])('a wait of %s seconds: 400', async (waitSeconds) => {
      const sending = fakeSending({ conversations: [conversationItem(smsKey, twilioEndpoint)] });

      const refusal = await refusalOf(acceptSend(reply(conversationIdFor(smsKey), { waitSeconds }), sending.deps));

      expect(refusal).toEqual({ statusCode: 400, body: { reason: 'bad_request', error: 'wait must be a whole number of seconds from 0 to 10' } });
    });

    it('a first message without from, through an endpoint with no default sending address: 400 saying how to set one', async () => {
      const sending = fakeSending({ endpoints: [anEndpoint({ endpointId: 'ep_twilio', sending: { ...sendingSettings, defaultFrom: undefined } })] });

      const refusal = await refusalOf(acceptSend(firstMessage({}), sending.deps));

      expect(refusal.statusCode).toBe(400);
      expect(refusal.body.error).toMatch(/^from is required/);
    });

    it('a template on SMS: 400', async () => {
      const sending = fakeSending({ conversations: [conversationItem(smsKey, twilioEndpoint)] });

      const refusal = await refusalOf(acceptSend(reply(conversationIdFor(smsKey), { body: { template: { name: 'order_update', language: 'en' } } }), sending.deps));

      expect(refusal).toEqual({ statusCode: 400, body: { reason: 'bad_request', error: 'templates are sent on WhatsApp only' } });
    });

    it('a channel its endpoint\'s provider does not carry (Messenger through Twilio): 400', async () => {
      const sending = fakeSending();

      const refusal = await refusalOf(acceptSend(firstMessage({ channel: 'messenger', to: 'PSID_1' }), sending.deps));

      expect(refusal).toEqual({ statusCode: 400, body: { reason: 'bad_request', error: 'Switchboard does not send messenger through twilio yet' } });
    });
  });

  describe('accepts a message', () => {
    it('stores it queued with its idempotency record and open marker, queues it once, and answers 202', async () => {
      // Prepare
      const sending = fakeSending({ conversations: [conversationItem(smsKey, twilioEndpoint)] });

      // Act
      const answer = await acceptSend(reply(conversationIdFor(smsKey)), sending.deps);

      // Assess
      const id = answer.body.id;
      expect(id).toMatch(/^msg_[\w-]{26}$/);
      expect(answer).toEqual({ statusCode: 202, body: { id, status: 'queued', conversationId: conversationIdFor(smsKey) } });
      expect(sending.stored).toHaveLength(1);
      const [{ message, conversation, records }] = sending.stored as [(typeof sending.stored)[number]];
      expect(conversation).toEqual(smsKey);
      expect(message).toMatchObject({
        id,
        tenantId: 'acme',
        provider: 'twilio',
        channel: 'sms',
        direction: 'outbound',
        from: smsKey.businessAddress,
        to: smsKey.customerAddress,
        text: 'Your order shipped',
        status: 'queued',
        statusRank: statusRank.queued,
        sendState: 'ready',
        attempts: 0,
        notBefore: start.toISOString(),
        validUntil: new Date(start.getTime() + 10 * hour).toISOString(),
        source: { requestId: 'req_1', endpointId: 'ep_twilio' },
      });
      expect(message.humanAgentTag).toBeUndefined();
      expect(records).toEqual([
        expect.objectContaining({ pk: 'IDEM#acme#key-1', sk: 'IDEM', tenantId: 'acme', messageId: id, expiresAt: start.getTime() / 1000 + 24 * 3600 }),
        expect.objectContaining({ pk: expect.stringMatching(/^OPEN#[0-7]$/), sk: `${start.toISOString()}#acme#${id}`, tenantId: 'acme', messageId: id }),
      ]);
      expect(sending.enqueued).toEqual([{ id, tenantId: 'acme', channel: 'sms' }]);
    });

    it('sends a first message from the endpoint\'s default address, in the conversation of that pair', async () => {
      // Prepare
      const sending = fakeSending();

      // Act
      const answer = await acceptSend(firstMessage({}), sending.deps);

      // Assess
      const key = aConversationKey({ customerAddress: '+14155550111' });
      expect(answer.body.conversationId).toBe(conversationIdFor(key));
      expect(sending.stored.map(({ conversation }) => conversation)).toEqual([key]);
    });

    it('keeps media and a caption', async () => {
      const sending = fakeSending({ conversations: [conversationItem(smsKey, twilioEndpoint)] });
      const media = [{ url: 'https://cdn.example.com/receipt.pdf', contentType: 'application/pdf' }];

      await acceptSend(reply(conversationIdFor(smsKey), { body: { text: 'Your receipt', media } }), sending.deps);

      expect(sending.stored[0]?.message).toMatchObject({ text: 'Your receipt', media, contentType: 'media' });
    });
  });

  describe('Idempotency-Key', () => {
    it('answers the same message for the same key and body, storing nothing more and queueing it again only while it is queued', async () => {
      // Prepare
      const sending = fakeSending({ conversations: [conversationItem(smsKey, twilioEndpoint)] });
      const first = await acceptSend(reply(conversationIdFor(smsKey)), sending.deps);

      // Act: a retry while queued, then one after the sender moved it on.
      const whileQueued = await acceptSend(reply(conversationIdFor(smsKey)), sending.deps);
      sending.messages.set(first.body.id, { ...sending.messages.get(first.body.id), status: 'sending', statusRank: statusRank.sending });
      const whileSending = await acceptSend(reply(conversationIdFor(smsKey)), sending.deps);

      // Assess
      expect(whileQueued).toEqual(first);
      expect(whileSending).toEqual({ statusCode: 202, body: { ...first.body, status: 'sending' } });
      expect(sending.storeCalls).toHaveLength(1);
      expect(sending.enqueued).toHaveLength(2);
    });

    it('answers a repeat from its record even when the conversation could no longer take a new message', async () => {
      // Prepare: accepted, then the customer opted out.
      const conversation = conversationItem(smsKey, twilioEndpoint);
      const sending = fakeSending({ conversations: [conversation] });
      const first = await acceptSend(reply(conversationIdFor(smsKey)), sending.deps);
      conversation.optedOut = true;

      // Act
      const repeat = await acceptSend(reply(conversationIdFor(smsKey)), sending.deps);

      // Assess
      expect(repeat).toEqual(first);
    });

    it('refuses the same key with another body: 422 idempotency_key_reused, nothing stored or queued', async () => {
      // Prepare
      const sending = fakeSending({ conversations: [conversationItem(smsKey, twilioEndpoint)] });
      await acceptSend(reply(conversationIdFor(smsKey)), sending.deps);

      // Act
      const refusal = await refusalOf(acceptSend(reply(conversationIdFor(smsKey), { body: { text: 'Another text' } }), sending.deps));

      // Assess
      expect(refusal.statusCode).toBe(422);
      expect(refusal.body.reason).toBe('idempotency_key_reused');
      expect(sending.storeCalls).toHaveLength(1);
      expect(sending.enqueued).toHaveLength(1);
    });

    it('refuses the same key for another conversation with the same body: 422', async () => {
      const other = aConversationKey({ customerAddress: '+14155550112' });
      const sending = fakeSending({ conversations: [conversationItem(smsKey, twilioEndpoint), conversationItem(other, twilioEndpoint)] });
      await acceptSend(reply(conversationIdFor(smsKey)), sending.deps);

      const refusal = await refusalOf(acceptSend(reply(conversationIdFor(other)), sending.deps));

      expect(refusal.statusCode).toBe(422);
    });

    it('is the tenant\'s own: another tenant\'s same key makes its own message', async () => {
      // Prepare
      const sending = fakeSending({ conversations: [conversationItem(smsKey, twilioEndpoint), conversationItem(globexKey, anEndpoint({ endpointId: 'ep_globex', tenantId: 'globex', sending: sendingSettings }))], endpoints: [twilioEndpoint, anEndpoint({ endpointId: 'ep_globex', tenantId: 'globex', sending: sendingSettings })] });

      // Act
      const acme = await acceptSend(reply(conversationIdFor(smsKey)), sending.deps);
      const globex = await acceptSend(reply(conversationIdFor(globexKey), { tenantId: 'globex' }), sending.deps);

      // Assess
      expect(globex.body.id).not.toBe(acme.body.id);
      expect(sending.stored.map(({ message }) => message.tenantId)).toEqual(['acme', 'globex']);
    });

    it('makes a new message for a key reused after its 24 hours, when its record has expired', async () => {
      // Prepare: a day later, DynamoDB's TTL removed the record; the message stays.
      const sending = fakeSending({ conversations: [conversationItem(smsKey, twilioEndpoint)] });
      const first = await acceptSend(reply(conversationIdFor(smsKey)), sending.deps);
      sending.records.clear();

      // Act
      const later = await acceptSend(reply(conversationIdFor(smsKey), { body: { text: 'A new message' } }), sending.deps);

      // Assess
      expect(later.statusCode).toBe(202);
      expect(later.body.id).not.toBe(first.body.id);
    });

    it('answers the winner\'s message to a concurrent request with the same key that lost the transaction', async () => {
      // Prepare
      const sending = fakeSending({ conversations: [conversationItem(smsKey, twilioEndpoint)] });

      // Act: both read no record, both try to store.
      const answers = await Promise.all([acceptSend(reply(conversationIdFor(smsKey)), sending.deps), acceptSend(reply(conversationIdFor(smsKey)), sending.deps)]);

      // Assess
      expect(sending.storeCalls).toHaveLength(2);
      expect(sending.stored).toHaveLength(1);
      expect(answers[1]).toEqual(answers[0]);
      expect(answers[0].statusCode).toBe(202);
    });

    it('refuses a concurrent request with the same key and another body once the winner stored: 422', async () => {
      const sending = fakeSending({ conversations: [conversationItem(smsKey, twilioEndpoint)] });

      const [winner, loser] = await Promise.allSettled([
        acceptSend(reply(conversationIdFor(smsKey)), sending.deps),
        acceptSend(reply(conversationIdFor(smsKey), { body: { text: 'Another text' } }), sending.deps),
      ]);

      expect(winner.status).toBe('fulfilled');
      expect(loser).toMatchObject({ status: 'rejected', reason: { reason: 'idempotency_key_reused' } });
      expect(sending.stored).toHaveLength(1);
    });
  });

  describe('the conversation\'s state', () => {
    it('refuses WhatsApp free-form text outside 24 hours: 409 window_closed with closesAt and templateRequired, nothing stored or queued', async () => {
      // Prepare
      const sending = fakeSending({ conversations: [conversationItem(whatsappKey, metaEndpoint, { lastInboundAt: before(25 * hour) })] });

      // Act
      const refusal = await refusalOf(acceptSend(reply(conversationIdFor(whatsappKey)), sending.deps));

      // Assess
      expect(refusal).toEqual({
        statusCode: 409,
        body: { reason: 'window_closed', error: expect.stringContaining('only a template can be sent'), closesAt: before(hour), templateRequired: true },
      });
      expect(sending.storeCalls).toEqual([]);
      expect(sending.enqueued).toEqual([]);
      expect(sending.records.size).toBe(0);
    });

    it('accepts a WhatsApp template outside the window', async () => {
      // Prepare
      const sending = fakeSending({ conversations: [conversationItem(whatsappKey, metaEndpoint, { lastInboundAt: before(25 * hour) })] });
      const template = { name: 'order_update', language: 'en_US', parameters: ['4512'] };

      // Act
      const answer = await acceptSend(reply(conversationIdFor(whatsappKey), { body: { template } }), sending.deps);

      // Assess
      expect(answer.statusCode).toBe(202);
      expect(sending.stored[0]?.message).toMatchObject({ template, contentType: 'template', text: '📄 Template order_update: 4512' });
    });

    it('accepts a Messenger reply between 24 hours and 7 days with the human-agent tag', async () => {
      const sending = fakeSending({ conversations: [conversationItem(messengerKey, sharedMetaEndpoint, { lastInboundAt: before(3 * 24 * hour) })] });

      const answer = await acceptSend(reply(conversationIdFor(messengerKey)), sending.deps);

      expect(answer.statusCode).toBe(202);
      expect(sending.stored[0]?.message.humanAgentTag).toBe(true);
    });

    it('refuses a Messenger reply after 7 days: 409 window_closed, no template can help', async () => {
      const sending = fakeSending({ conversations: [conversationItem(messengerKey, sharedMetaEndpoint, { lastInboundAt: before(8 * 24 * hour) })] });

      const refusal = await refusalOf(acceptSend(reply(conversationIdFor(messengerKey)), sending.deps));

      expect(refusal).toMatchObject({ statusCode: 409, body: { reason: 'window_closed', closesAt: before(24 * hour), templateRequired: false } });
      expect(sending.storeCalls).toEqual([]);
    });

    it('refuses a recipient who opted out: 409 recipient_opted_out', async () => {
      const sending = fakeSending({ conversations: [conversationItem(smsKey, twilioEndpoint, { optedOut: true })] });

      const refusal = await refusalOf(acceptSend(reply(conversationIdFor(smsKey)), sending.deps));

      expect(refusal).toMatchObject({ statusCode: 409, body: { reason: 'recipient_opted_out', error: expect.stringContaining('START') } });
      expect(sending.storeCalls).toEqual([]);
    });

    it('refuses a first message to a number that opted out in an earlier conversation of the same pair', async () => {
      const sending = fakeSending({ conversations: [conversationItem(aConversationKey({ customerAddress: '+14155550111' }), twilioEndpoint, { optedOut: true })] });

      const refusal = await refusalOf(acceptSend(firstMessage({}), sending.deps));

      expect(refusal).toMatchObject({ statusCode: 409, body: { reason: 'recipient_opted_out' } });
    });

    it.each([
      ['has no send credentials', anEndpoint({ endpointId: 'ep_twilio' }), /has no send credentials/],
      ['is paused', anEndpoint({ endpointId: 'ep_twilio', sending: { ...sendingSettings, pausedAt: '2026-11-22T11:00:00.000Z', pausedReason: '20003: Authenticate' } }), /paused since 2026-11-22T11:00:00.000Z.*20003: Authenticate/],
    ])('refuses a reply whose endpoint %s: 409 no_send_credentials', async (_case, endpoint, message) => {
      const sending = fakeSending({ conversations: [conversationItem(smsKey, endpoint)], endpoints: [endpoint] });

      const refusal = await refusalOf(acceptSend(reply(conversationIdFor(smsKey)), sending.deps));

      expect(refusal).toEqual({ statusCode: 409, body: { reason: 'no_send_credentials', error: expect.stringMatching(message) } });
      expect(sending.storeCalls).toEqual([]);
    });

    it('refuses a reply in a conversation that came through no endpoint: 409 no_send_credentials', async () => {
      const sending = fakeSending({ conversations: [conversationItem(smsKey, twilioEndpoint, { endpointId: undefined })] });

      const refusal = await refusalOf(acceptSend(reply(conversationIdFor(smsKey)), sending.deps));

      expect(refusal).toMatchObject({ statusCode: 409, body: { reason: 'no_send_credentials' } });
    });
  });

  describe('tenant isolation', () => {
    it('answers another tenant\'s conversation exactly like a missing one: 404', async () => {
      // Prepare
      const sending = fakeSending({ conversations: [conversationItem(globexKey, twilioEndpoint)] });

      // Act
      const others = await refusalOf(acceptSend(reply(conversationIdFor(globexKey)), sending.deps));
      const missing = await refusalOf(acceptSend(reply('conv_doesnotexist'), sending.deps));

      // Assess
      expect(others).toEqual({ statusCode: 404, body: { reason: 'not_found', error: 'no such conversation' } });
      expect(missing).toEqual(others);
      expect(sending.storeCalls).toEqual([]);
    });

    it('answers another tenant\'s endpoint on POST /messages exactly like a missing one: 404', async () => {
      // Prepare
      const globexEndpoint = anEndpoint({ endpointId: 'ep_globex', tenantId: 'globex', sending: sendingSettings });
      const sending = fakeSending({ endpoints: [globexEndpoint] });

      // Act
      const others = await refusalOf(acceptSend(firstMessage({ endpointId: 'ep_globex' }), sending.deps));
      const missing = await refusalOf(acceptSend(firstMessage({ endpointId: 'ep_missing' }), sending.deps));

      // Assess
      expect(others).toEqual({ statusCode: 404, body: { reason: 'not_found', error: 'no such endpoint' } });
      expect(missing).toEqual(others);
      expect(sending.storeCalls).toEqual([]);
    });

    it('sends through a shared Meta endpoint from an account it routes to the tenant, and from no other', async () => {
      // Prepare: the customer wrote to acme's page a minute ago.
      const sending = fakeSending({
        conversations: [conversationItem(messengerKey, sharedMetaEndpoint, { lastInboundAt: before(60_000) })],
      });
      const toPage = (from: string, idempotencyKey: string) => firstMessage({ channel: 'messenger', endpointId: 'ep_shared', from, to: 'PSID_1' }, { idempotencyKey });

      // Act
      const own = await acceptSend(toPage('PAGE_ACME', 'key-own'), sending.deps);
      const globexPage = await refusalOf(acceptSend(toPage('PAGE_GLOBEX', 'key-globex'), sending.deps));

      // Assess
      expect(own).toMatchObject({ statusCode: 202, body: { conversationId: conversationIdFor(messengerKey) } });
      expect(globexPage).toMatchObject({ statusCode: 404, body: { reason: 'not_found' } });
      expect(sending.stored.map(({ message }) => message.from)).toEqual(['PAGE_ACME']);
    });
  });

  describe('queueing', () => {
    it('answers 202 though queueing failed, and tells onEnqueueFailed: the reconciler will queue it', async () => {
      // Prepare
      const sending = fakeSending({ conversations: [conversationItem(smsKey, twilioEndpoint)], enqueueFails: true });

      // Act
      const answer = await acceptSend(reply(conversationIdFor(smsKey)), sending.deps);

      // Assess
      expect(answer).toMatchObject({ statusCode: 202, body: { status: 'queued' } });
      expect(sending.stored).toHaveLength(1);
      expect(sending.enqueueFailures).toEqual([answer.body.id]);
    });

    it('queues a still-queued message again on a repeat after its queueing failed', async () => {
      // Prepare
      const sending = fakeSending({ conversations: [conversationItem(smsKey, twilioEndpoint)], enqueueFails: true });
      const first = await acceptSend(reply(conversationIdFor(smsKey)), sending.deps);

      // Act
      await acceptSend(reply(conversationIdFor(smsKey)), sending.deps);

      // Assess
      expect(sending.enqueued).toEqual([first.body, first.body].map(({ id }) => ({ id, tenantId: 'acme', channel: 'sms' })));
      expect(sending.enqueueFailures).toEqual([first.body.id, first.body.id]);
    });
  });

  describe('?wait', () => {
    it('answers 200 with the final status once the message is sent within the wait', async () => {
      // Prepare: the sender sends it after the first poll.
      const sending = fakeSending({ conversations: [conversationItem(smsKey, twilioEndpoint)] });
      sending.whileWaiting(() => {
        const [id = ''] = sending.messages.keys();
        sending.messages.set(id, { ...sending.messages.get(id), status: 'sent', statusRank: statusRank.sent, providerMessageId: 'SM123' });
      });

      // Act
      const answer = await acceptSend(reply(conversationIdFor(smsKey), { waitSeconds: 5 }), sending.deps);

      // Assess
      expect(answer).toEqual({ statusCode: 200, body: { id: expect.stringMatching(/^msg_/), status: 'sent', conversationId: conversationIdFor(smsKey), providerMessageId: 'SM123' } });
      expect(sending.slept).toHaveLength(1);
    });

    it('answers 200 with the failure once the message failed within the wait', async () => {
      const sending = fakeSending({ conversations: [conversationItem(smsKey, twilioEndpoint)] });
      const failure = { category: 'permanent', code: '21211', message: 'Invalid To number', hint: 'Check the number.' };
      sending.whileWaiting(() => {
        const [id = ''] = sending.messages.keys();
        sending.messages.set(id, { ...sending.messages.get(id), status: 'failed', statusRank: statusRank.failed, failure });
      });

      const answer = await acceptSend(reply(conversationIdFor(smsKey), { waitSeconds: 5 }), sending.deps);

      expect(answer).toMatchObject({ statusCode: 200, body: { status: 'failed', failure } });
    });

    it('answers 202 with the latest status when the wait ends first, having waited exactly the wait', async () => {
      // Prepare: the sender claims it, and the provider never answers in time.
      const sending = fakeSending({ conversations: [conversationItem(smsKey, twilioEndpoint)] });
      sending.whileWaiting(() => {
        const [id = ''] = sending.messages.keys();
        sending.messages.set(id, { ...sending.messages.get(id), status: 'sending', statusRank: statusRank.sending });
      });

      // Act
      const answer = await acceptSend(reply(conversationIdFor(smsKey), { waitSeconds: 2 }), sending.deps);

      // Assess
      expect(answer).toMatchObject({ statusCode: 202, body: { status: 'sending' } });
      expect(sending.elapsed()).toBe(2000);
      expect(Math.max(...sending.slept)).toBeLessThanOrEqual(250);
    });

    it('waits on a repeat too, through the same message', async () => {
      const sending = fakeSending({ conversations: [conversationItem(smsKey, twilioEndpoint)] });
      await acceptSend(reply(conversationIdFor(smsKey)), sending.deps);
      sending.whileWaiting(() => {
        const [id = ''] = sending.messages.keys();
        sending.messages.set(id, { ...sending.messages.get(id), status: 'delivered', statusRank: statusRank.delivered });
      });

      const answer = await acceptSend(reply(conversationIdFor(smsKey), { waitSeconds: 1 }), sending.deps);

      expect(answer).toMatchObject({ statusCode: 200, body: { status: 'delivered' } });
      expect(sending.storeCalls).toHaveLength(1);
    });
  });
});
