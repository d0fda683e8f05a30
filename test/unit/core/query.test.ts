import { describe, expect, it } from 'vitest';
import { HttpError } from '../../../functions/core/errors.ts';
import type { ConversationKey } from '../../../functions/core/ids.ts';
import type { NormalizedStatus } from '../../../functions/core/message.ts';
import { conversationChange, conversationKey, entityKinds, eventItem, messageItem, messageKey, type StoredMessage } from '../../../functions/core/items.ts';
import {
  conversationsList,
  conversationsPartition,
  decodePageCursor,
  encodePageCursor,
  framesAfter,
  listConversations,
  listMessages,
  maxPageBytes,
  messagesList,
  messagesPartition,
  pollEvents,
  pollIntervalMs,
  type Item,
  type QueryStore,
} from '../../../functions/core/query.ts';
import { aConversationKey, aStoredMessage } from '../../helpers/factories.ts';

/** The table as the store sees it: items in memory, read the way the indexes order them. */
const fakeStore = (items: Item[] = []) => {
  const calls = { changesSince: 0 };
  const store: QueryStore = {
    async conversation(id) {
      return items.find((item) => item.pk === conversationKey(id).pk && item.sk === 'CONV');
    },
    async newestFirst(partition, limit, after) {
      const all = items
        .filter((item) => item.gsi1pk === partition && (after === undefined || String(item.gsi1sk) < after.gsi1sk))
        .sort((a, b) => String(b.gsi1sk).localeCompare(String(a.gsi1sk)));
      return { items: all.slice(0, limit), more: all.length > limit };
    },
    async changesSince(tenantId, since, limit, startKey) {
      calls.changesSince += 1;
      // Equal changedAt in reverse id order: the index leaves their order open, the query must not rely on it.
      const all = items
        .filter((item) => item.tenantId === tenantId && typeof item.changedAt === 'string' && item.changedAt >= since)
        .sort((a, b) => String(a.changedAt).localeCompare(String(b.changedAt)) || String(b.id).localeCompare(String(a.id)));
      const start = Number(startKey?.offset ?? 0);
      const page = all.slice(start, start + limit);
      return { items: page, ...(start + limit < all.length && { next: { offset: start + limit } }) };
    },
  };
  return { store, items, calls };
};

const stored = (index: number, key: ConversationKey = aConversationKey(), overrides: Partial<StoredMessage> = {}) => {
  const at = new Date(Date.UTC(2026, 10, 22, 12, 0, index)).toISOString();
  return aStoredMessage({ id: `msg_${String(index).padStart(4, '0')}`, receivedAt: at, storedAt: at, ...overrides }, key);
};
const conversationItem = (message: StoredMessage, key: ConversationKey) => ({
  ...conversationKey(message.conversationId),
  ...conversationChange(message, key),
  createdAt: message.storedAt,
  messageCount: 1,
});

/** A conversation per customer, the n-th with its last message at second n. */
const conversations = (count: number, tenantId = 'acme') =>
  Array.from({ length: count }, (_, index) => {
    const key = aConversationKey({ tenantId, customerAddress: `+1415555${String(index).padStart(4, '0')}` });
    return conversationItem(stored(index, key), key);
  });

const manual = (start = Date.parse('2026-11-22T12:00:00.000Z')) => {
  let now = start;
  const sleeps: number[] = [];
  return {
    sleeps,
    clock: {
      now: () => now,
      sleep: async (milliseconds: number) => {
        sleeps.push(milliseconds);
        now += milliseconds;
      },
    },
  };
};

const rejection = async (promise: Promise<unknown>): Promise<HttpError> => {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  if (!(error instanceof HttpError)) throw new Error(`expected an HttpError, got ${String(error)}`);
  return error;
};

describe('the index partitions', () => {
  it('are the ones items.ts files conversations and messages under', () => {
    const key = aConversationKey();
    const message = aStoredMessage({}, key);

    expect(conversationChange(message, key).gsi1pk).toBe(conversationsPartition('acme'));
    expect(messageItem(message).gsi1pk).toBe(messagesPartition(message.conversationId));
  });
});

describe('listConversations', () => {
  it('pages through the tenant conversations newest first, each exactly once, and says when there are no more', async () => {
    // Prepare
    const { store } = fakeStore([...conversations(7), ...conversations(3, 'globex')]);

    // Act
    const first = await listConversations(store, 'acme', { limit: '3' });
    const second = await listConversations(store, 'acme', { limit: '3', cursor: first.cursor ?? '' });
    const third = await listConversations(store, 'acme', { limit: '3', cursor: second.cursor ?? '' });

    // Assess
    const seen = [...first.conversations, ...second.conversations, ...third.conversations].map((item) => item.lastMessageAt);
    expect(seen).toEqual(conversations(7).map((item) => item.lastMessageAt).reverse());
    expect([first.conversations.length, second.conversations.length, third.conversations.length]).toEqual([3, 3, 1]);
    expect(third.cursor).toBeNull();
    expect(first.conversations.every((item) => item.tenantId === 'acme')).toBe(true);
    expect(first.conversations[0]).not.toHaveProperty('pk');
    expect(first.conversations[0]).not.toHaveProperty('gsi1sk');
  });

  it('gives 25 by default', async () => {
    const { store } = fakeStore(conversations(30));

    const page = await listConversations(store, 'acme', null);

    expect(page.conversations).toHaveLength(25);
    expect(page.cursor).not.toBeNull();
  });

  it.each(['0', '101', '2.5', 'ten', ''])('refuses limit=%j with 400 and says what is allowed', async (limit) => {
    const { store } = fakeStore();

    const error = await rejection(listConversations(store, 'acme', { limit }));

    expect(error.statusCode).toBe(400);
    expect(error.message).toBe('limit must be a whole number from 1 to 100');
  });

  it("refuses a cursor it did not issue, and one of another tenant's list, with 400", async () => {
    const { store } = fakeStore(conversations(3, 'globex'));
    const globexCursor = (await listConversations(store, 'globex', { limit: '1' })).cursor ?? '';

    const forged = await rejection(listConversations(store, 'acme', { cursor: 'not-a-cursor' }));
    const foreign = await rejection(listConversations(store, 'acme', { cursor: globexCursor }));

    expect([forged.statusCode, foreign.statusCode]).toEqual([400, 400]);
    expect(foreign.message).toMatch(/^cursor is not one this list issued/);
  });

  it('stops a page short of the response size limit and continues after it', async () => {
    const big = conversations(3).map((item) => ({ ...item, lastMessagePreview: 'x'.repeat(maxPageBytes / 2) }));
    const { store } = fakeStore(big);

    const first = await listConversations(store, 'acme', { limit: '3' });
    const second = await listConversations(store, 'acme', { limit: '3', cursor: first.cursor ?? '' });

    expect(first.conversations).toHaveLength(1);
    expect(second.conversations).toHaveLength(1);
    expect(second.cursor).not.toBeNull();
  });
});

describe('page cursors', () => {
  const conversationAt = { ...conversationKey('conv_c'), gsi1pk: 'TENANT#acme', gsi1sk: '2026-11-22T12:00:00.000Z#conv_c' };
  const cursorOf = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const reason = (cursor: string, list = conversationsList('acme')) => {
    try {
      decodePageCursor(cursor, list);
    } catch (error) {
      if (error instanceof HttpError) return [error.statusCode, error.message];
      throw error;
    }
    return 'accepted';
  };

  it('round-trip the last key', () => {
    expect(decodePageCursor(encodePageCursor(conversationAt), conversationsList('acme'))).toEqual(conversationAt);
  });

  it("accept the last key of a page of either list, as items.ts files its items", () => {
    const key = aConversationKey();
    const message = messageItem(aStoredMessage({}, key));
    const conversation = conversationChange(aStoredMessage({}, key), key);

    expect(reason(encodePageCursor(message), messagesList(message.conversationId))).toBe('accepted');
    expect(reason(encodePageCursor({ ...conversationKey(conversation.id), ...conversation }), conversationsList('acme'))).toBe('accepted');
  });

  it.each([
    ['empty key strings', cursorOf({ pk: '', sk: '', gsi1pk: 'TENANT#acme', gsi1sk: '' })],
    ['a key of numbers', cursorOf({ ...conversationAt, pk: 1 })],
    ['a key without its sort key', cursorOf({ pk: conversationAt.pk, gsi1pk: conversationAt.gsi1pk, gsi1sk: conversationAt.gsi1sk })],
    ['a table key that is not the item the sort key names', cursorOf({ ...conversationAt, pk: 'CONV#conv_other' })],
    ['a table key of another kind of item', cursorOf({ ...conversationAt, ...messageKey('conv_c') })],
    ['a sort key without a time', cursorOf({ ...conversationAt, gsi1sk: 'conv_c' })],
    ['a sort key with a time that is none', cursorOf({ ...conversationAt, gsi1sk: '2026-13-45T99:99:99Z#conv_c' })],
    ['a sort key without an id', cursorOf({ ...conversationAt, pk: 'CONV#', gsi1sk: '2026-11-22T12:00:00.000Z#' })],
    ['an id longer than any key', cursorOf({ ...conversationKey('c'.repeat(1500)), gsi1pk: 'TENANT#acme', gsi1sk: `2026-11-22T12:00:00.000Z#${'c'.repeat(1500)}` })],
    ["another tenant's list", cursorOf({ ...conversationAt, gsi1pk: 'TENANT#globex' })],
    ['JSON that is no object', cursorOf(['TENANT#acme'])],
    ['JSON null', cursorOf(null)],
    ['garbage', 'not-a-cursor'],
    ['bytes that are no text', Buffer.from([0xff, 0xfe, 0x00, 0x7b]).toString('base64url')],
  ])('refuse %s with 400 and the reason', (_case, cursor) => {
    expect(reason(cursor)).toEqual([400, 'cursor is not one this list issued: pass the cursor of the previous page unchanged']);
  });

  it("refuse another conversation's cursor", () => {
    const message = messageItem(aStoredMessage());

    expect(reason(encodePageCursor(message), messagesList('conv_another'))[0]).toBe(400);
  });
});

describe('listMessages', () => {
  const key = aConversationKey();
  const messages = [stored(1, key), stored(2, key), stored(3, key)];
  const items = () => [conversationItem(messages[2]!, key), ...messages.map(messageItem)];

  it("lists a conversation's messages newest first", async () => {
    const { store } = fakeStore(items());

    const page = await listMessages(store, 'acme', messages[0]!.conversationId, { limit: '2' });
    const rest = await listMessages(store, 'acme', messages[0]!.conversationId, { cursor: page.cursor ?? '' });

    expect(page.messages.map((message) => message.id)).toEqual(['msg_0003', 'msg_0002']);
    expect(rest.messages.map((message) => message.id)).toEqual(['msg_0001']);
    expect(rest.cursor).toBeNull();
  });

  it("answers 404 for another tenant's conversation, the same as for one that does not exist", async () => {
    const { store } = fakeStore(items());

    const foreign = await rejection(listMessages(store, 'globex', messages[0]!.conversationId, {}));
    const missing = await rejection(listMessages(store, 'acme', 'conv_missing', {}));
    const tooLong = await rejection(listMessages(store, 'acme', 'c'.repeat(300), {}));

    expect([foreign.statusCode, missing.statusCode, tooLong.statusCode]).toEqual([404, 404, 404]);
    expect(foreign.message).toBe(missing.message);
  });
});

describe('framesAfter', () => {
  const key = aConversationKey();
  const first = stored(1, key);
  const second = stored(2, key);
  // A message and its conversation share the millisecond they were stored in.
  const items = () => [messageItem(first), messageItem(second), conversationItem(second, key)];

  it('returns the frames after a cursor in (changedAt, id) order, ties included, across index pages', async () => {
    const { store } = fakeStore(items());

    const frames = await framesAfter(store, 'acme', { changedAt: first.storedAt, id: first.id }, 1);
    const next = await framesAfter(store, 'acme', { changedAt: second.storedAt, id: second.conversationId }, 5);

    expect(frames.map((frame) => [frame.type, frame.cursor])).toEqual([['conversation.updated', `${second.storedAt}/${second.conversationId}`]]);
    expect(next.map((frame) => [frame.type, frame.cursor])).toEqual([['message.created', `${second.storedAt}/${second.id}`]]);
  });

  it('reports a message changed after it was stored as message.updated, and leaves out provider events', async () => {
    const delivered: NormalizedStatus = {
      kind: 'status',
      eventId: 'SM1/delivered',
      providerMessageIds: ['SM1'],
      status: 'delivered',
      providerStatus: 'delivered',
      channel: 'sms',
      businessAddress: key.businessAddress,
      customerAddress: key.customerAddress,
    };
    const changed = { ...messageItem(first), status: 'delivered', changedAt: '2026-11-22T12:00:09.000Z' };
    const receipt = eventItem({
      id: 'evt_1',
      tenantId: 'acme',
      provider: 'twilio',
      event: delivered,
      state: 'applied',
      receivedAt: '2026-11-22T12:00:09.000Z',
      storedAt: '2026-11-22T12:00:09.000Z',
      source: { requestId: 'req_1', endpointId: 'ep_1' },
    });
    const { store } = fakeStore([changed, receipt]);

    const frames = await framesAfter(store, 'acme', { changedAt: '2026-11-22T12:00:05.000Z', id: '' }, 10);

    expect(frames.map((frame) => frame.type)).toEqual(['message.updated']);
    expect(receipt.entity).toBe(entityKinds.event);
  });

  it("never returns another tenant's changes", async () => {
    const globexKey = aConversationKey({ tenantId: 'globex' });
    const { store } = fakeStore([messageItem(stored(5, globexKey)), ...items()]);

    const frames = await framesAfter(store, 'acme', { changedAt: '2026-11-22T12:00:00.000Z', id: '' }, 10);

    expect(frames.map((frame) => frame.tenantId)).toEqual(['acme', 'acme', 'acme']);
  });
});

describe('pollEvents', () => {
  const key = aConversationKey();
  const later = stored(30, key);

  it('waits for the first change after the cursor, looking every interval, and returns it with the cursor to resume from', async () => {
    // Prepare
    const { store, items } = fakeStore();
    const { clock, sleeps } = manual();
    const deliverAfter = 3;
    const watched: QueryStore = {
      ...store,
      changesSince: async (...args) => {
        if (sleeps.length === deliverAfter) items.push(messageItem(later));
        return store.changesSince(...args);
      },
    };

    // Act
    const body = JSON.parse(await pollEvents(watched, 'acme', { cursor: '2026-11-22T12:00:00.000Z/', wait: '25' }, clock, Number.POSITIVE_INFINITY)) as {
      frames: { cursor: string }[];
      cursor: string;
    };

    // Assess
    expect(sleeps).toEqual([pollIntervalMs, pollIntervalMs, pollIntervalMs]);
    expect(body.frames.map((frame) => frame.cursor)).toEqual([`${later.storedAt}/${later.id}`]);
    expect(body.cursor).toBe(`${later.storedAt}/${later.id}`);
  });

  it('answers an empty list with the same cursor when nothing changes within the wait, and never waits past the deadline', async () => {
    const { store } = fakeStore();
    const { clock, sleeps } = manual();
    const cursor = '2026-11-22T12:00:00.000Z/msg_0001';

    const waited = JSON.parse(await pollEvents(store, 'acme', { cursor, wait: '1' }, clock, Number.POSITIVE_INFINITY)) as unknown;
    const capped = manual();
    await pollEvents(store, 'acme', { cursor, wait: '25' }, capped.clock, capped.clock.now() + 2.5 * pollIntervalMs);

    expect(waited).toEqual({ frames: [], cursor });
    expect(sleeps.reduce((sum, milliseconds) => sum + milliseconds, 0)).toBe(1_000);
    expect(capped.sleeps).toEqual([pollIntervalMs, pollIntervalMs, pollIntervalMs / 2]);
  });

  it('starts from now without a cursor, and answers at once without a wait', async () => {
    const { store } = fakeStore([messageItem(stored(1, key))]);
    const { clock, sleeps } = manual(Date.parse('2026-11-22T12:00:10.000Z'));

    const body = JSON.parse(await pollEvents(store, 'acme', {}, clock, Number.POSITIVE_INFINITY)) as unknown;

    expect(body).toEqual({ frames: [], cursor: '2026-11-22T12:00:10.000Z/' });
    expect(sleeps).toEqual([]);
  });

  it.each([
    [{ wait: '26' }, 'wait must be a whole number of seconds from 0 to 25'],
    [{ wait: '-1' }, 'wait must be a whole number of seconds from 0 to 25'],
    [{ cursor: 'yesterday' }, 'cursor must be the cursor of a frame: <changedAt>/<id>'],
    [{ cursor: '2026-13-45T99:99:99.000Z/msg_1' }, 'cursor must be the cursor of a frame: <changedAt>/<id>'],
    [{ cursor: '' }, 'cursor must not be empty'],
    [{ cursor: `2026-11-22T12:00:00.000Z/${'x'.repeat(5000)}` }, 'cursor is too long'],
    [{ wait: '' }, 'wait must be a whole number of seconds from 0 to 25'],
    [{ limit: '500' }, 'limit must be a whole number from 1 to 100'],
  ])('refuses %j with 400', async (parameters, message) => {
    const { store } = fakeStore();

    const error = await rejection(pollEvents(store, 'acme', parameters, manual().clock, Number.POSITIVE_INFINITY));

    expect(error.statusCode).toBe(400);
    expect(error.message).toBe(message);
  });
});
