import { describe, expect, it } from 'vitest';
import { Refused } from '../../../functions/core/errors.ts';
import type { ConversationKey } from '../../../functions/core/ids.ts';
import { conversationChange, conversationKey, messageItem, messageKey, type StoredMessage } from '../../../functions/core/items.ts';
import {
  conversationsList,
  conversationsPartition,
  decodePageCursor,
  encodePageCursor,
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
import type { FeedEntry, FeedReader } from '../../../functions/core/feed.ts';
import { aConversationKey, aStoredMessage } from '../../helpers/factories.ts';

/** The table as the store sees it: items in memory, read the way the indexes order them. */
const fakeStore = (items: Item[] = []) => {
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
  };
  return { store, items };
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

const rejection = async (promise: Promise<unknown>): Promise<Refused> => {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  if (!(error instanceof Refused)) throw new Error(`expected a refusal, got ${String(error)}`);
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

  it.each(['0', '101', '2.5', 'ten', ''])('refuses limit=%j as a bad request and says what is allowed', async (limit) => {
    const { store } = fakeStore();

    const error = await rejection(listConversations(store, 'acme', { limit }));

    expect(error.reason).toBe('bad_request');
    expect(error.message).toBe('limit must be a whole number from 1 to 100');
  });

  it("refuses a cursor it did not issue, and one of another tenant's list, as a bad request", async () => {
    const { store } = fakeStore(conversations(3, 'globex'));
    const globexCursor = (await listConversations(store, 'globex', { limit: '1' })).cursor ?? '';

    const forged = await rejection(listConversations(store, 'acme', { cursor: 'not-a-cursor' }));
    const foreign = await rejection(listConversations(store, 'acme', { cursor: globexCursor }));

    expect([forged.reason, foreign.reason]).toEqual(['bad_request', 'bad_request']);
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
      if (error instanceof Refused) return [error.reason, error.message];
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
  ])('refuse %s as a bad request, saying why', (_case, cursor) => {
    expect(reason(cursor)).toEqual(['bad_request', 'cursor is not one this list issued: pass the cursor of the previous page unchanged']);
  });

  it("refuse another conversation's cursor", () => {
    const message = messageItem(aStoredMessage());

    expect(reason(encodePageCursor(message), messagesList('conv_another'))[0]).toBe('bad_request');
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

  it("answers not found for another tenant's conversation, the same as for one that does not exist", async () => {
    const { store } = fakeStore(items());

    const foreign = await rejection(listMessages(store, 'globex', messages[0]!.conversationId, {}));
    const missing = await rejection(listMessages(store, 'acme', 'conv_missing', {}));
    const tooLong = await rejection(listMessages(store, 'acme', 'c'.repeat(300), {}));

    expect([foreign.reason, missing.reason, tooLong.reason]).toEqual(['not_found', 'not_found', 'not_found']);
    expect(foreign.message).toBe(missing.message);
  });
});

/** A tenant's feed in memory, read as the feed table is: by number, after a cursor. */
const fakeFeed = (entries: Record<string, FeedEntry[]> = {}) => {
  const feed: FeedReader = {
    async head(tenantId) {
      return Math.max(0, ...(entries[tenantId] ?? []).map((entry) => entry.seq));
    },
    async entriesAfter(tenantId, after, limit) {
      return (entries[tenantId] ?? []).filter((entry) => entry.seq > after).slice(0, limit);
    },
  };
  return { feed, entries };
};

const frameAt = (seq: number, tenantId = 'acme') => JSON.stringify({ type: 'message.created', tenantId, data: { id: `msg_${seq}` }, cursor: String(seq) });
const entryAt = (seq: number, reservedAt: number, tenantId = 'acme'): FeedEntry => ({ seq, reservedAt, frame: frameAt(seq, tenantId) });

describe('pollEvents', () => {
  const start = Date.parse('2026-11-22T12:00:00.000Z');

  it('waits for the first change after the cursor, looking every interval, and returns it with the cursor to resume from', async () => {
    // Prepare
    const { feed, entries } = fakeFeed({ acme: [entryAt(1, start)] });
    const { clock, sleeps } = manual(start);
    const deliverAfter = 3;
    const watched: FeedReader = {
      ...feed,
      entriesAfter: async (...args) => {
        if (sleeps.length === deliverAfter) entries.acme!.push(entryAt(2, clock.now()));
        return feed.entriesAfter(...args);
      },
    };

    // Act
    const body = JSON.parse(await pollEvents(watched, 'acme', { cursor: '1', wait: '25' }, clock, Number.POSITIVE_INFINITY)) as {
      frames: { cursor: string }[];
      cursor: string;
    };

    // Assess
    expect(sleeps).toEqual([pollIntervalMs, pollIntervalMs, pollIntervalMs]);
    expect(body).toEqual({ frames: [JSON.parse(frameAt(2))], cursor: '2' });
  });

  it('answers an empty list with the same cursor when nothing changes within the wait, and never waits past the deadline', async () => {
    const { feed } = fakeFeed({ acme: [entryAt(1, start)] });
    const { clock, sleeps } = manual();

    const waited = JSON.parse(await pollEvents(feed, 'acme', { cursor: '1', wait: '1' }, clock, Number.POSITIVE_INFINITY)) as unknown;
    const capped = manual();
    await pollEvents(feed, 'acme', { cursor: '1', wait: '25' }, capped.clock, capped.clock.now() + 2.5 * pollIntervalMs);

    expect(waited).toEqual({ frames: [], cursor: '1' });
    expect(sleeps.reduce((sum, milliseconds) => sum + milliseconds, 0)).toBe(1_000);
    expect(capped.sleeps).toEqual([pollIntervalMs, pollIntervalMs, pollIntervalMs / 2]);
  });

  it("starts at the head of the tenant's feed without a cursor, and answers at once without a wait", async () => {
    const { feed } = fakeFeed({ acme: [entryAt(1, start), entryAt(2, start)], globex: [entryAt(7, start, 'globex')] });
    const { clock, sleeps } = manual(start);

    const body = JSON.parse(await pollEvents(feed, 'acme', {}, clock, Number.POSITIVE_INFINITY)) as unknown;
    const fresh = JSON.parse(await pollEvents(feed, 'initech', {}, clock, Number.POSITIVE_INFINITY)) as unknown;

    expect(body).toEqual({ frames: [], cursor: '2' });
    expect(fresh).toEqual({ frames: [], cursor: '0' });
    expect(sleeps).toEqual([]);
  });

  it("returns the tenant's frames after the cursor in feed order, up to the limit, with the cursor of the last", async () => {
    const { feed } = fakeFeed({ acme: [1, 2, 3, 4].map((seq) => entryAt(seq, start)), globex: [entryAt(2, start, 'globex')] });

    const body = JSON.parse(await pollEvents(feed, 'acme', { cursor: '1', limit: '2' }, manual(start).clock, Number.POSITIVE_INFINITY)) as {
      frames: { cursor: string; tenantId: string }[];
      cursor: string;
    };

    expect(body.frames.map((frame) => [frame.tenantId, frame.cursor])).toEqual([
      ['acme', '2'],
      ['acme', '3'],
    ]);
    expect(body.cursor).toBe('3');
  });

  it('keeps waiting at a gap that may still fill, and answers once it has', async () => {
    // Prepare: number 2 is reserved, its frame not written yet
    const { feed, entries } = fakeFeed({ acme: [entryAt(1, start), entryAt(3, start)] });
    const { clock, sleeps } = manual(start);
    const watched: FeedReader = {
      ...feed,
      entriesAfter: async (...args) => {
        if (sleeps.length === 2) entries.acme!.splice(1, 0, entryAt(2, start));
        return feed.entriesAfter(...args);
      },
    };

    // Act
    const body = JSON.parse(await pollEvents(watched, 'acme', { cursor: '1', wait: '25' }, clock, Number.POSITIVE_INFINITY)) as { frames: { cursor: string }[]; cursor: string };

    // Assess
    expect(sleeps).toEqual([pollIntervalMs, pollIntervalMs]);
    expect(body.frames.map((frame) => frame.cursor)).toEqual(['2', '3']);
    expect(body.cursor).toBe('3');
  });

  it.each([
    [{ wait: '26' }, 'wait must be a whole number of seconds from 0 to 25'],
    [{ wait: '-1' }, 'wait must be a whole number of seconds from 0 to 25'],
    [{ cursor: 'yesterday' }, 'cursor must be the cursor of a frame or of an /events answer: a whole number from 0 to 9007199254740991'],
    [{ cursor: '2026-11-22T12:00:00.000Z/msg_1' }, 'cursor must be the cursor of a frame or of an /events answer: a whole number from 0 to 9007199254740991'],
    [{ cursor: '-1' }, 'cursor must be the cursor of a frame or of an /events answer: a whole number from 0 to 9007199254740991'],
    [{ cursor: '007' }, 'cursor must be the cursor of a frame or of an /events answer: a whole number from 0 to 9007199254740991'],
    [{ cursor: '1.5' }, 'cursor must be the cursor of a frame or of an /events answer: a whole number from 0 to 9007199254740991'],
    [{ cursor: '9007199254740992' }, 'cursor must be the cursor of a frame or of an /events answer: a whole number from 0 to 9007199254740991'],
    [{ cursor: '3' }, 'cursor is ahead of this feed: pass a cursor a frame or an /events answer carried'],
    [{ cursor: '' }, 'cursor must not be empty'],
    [{ cursor: 'x'.repeat(5000) }, 'cursor is too long'],
    [{ wait: '' }, 'wait must be a whole number of seconds from 0 to 25'],
    [{ limit: '500' }, 'limit must be a whole number from 1 to 100'],
  ])('refuses %j as a bad request', async (parameters, message) => {
    const { feed } = fakeFeed({ acme: [entryAt(1, start), entryAt(2, start)] });

    const error = await rejection(pollEvents(feed, 'acme', parameters, manual().clock, Number.POSITIVE_INFINITY));

    expect(error.reason).toBe('bad_request');
    expect(error.message).toBe(message);
  });
});
