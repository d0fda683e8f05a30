import * as z from 'zod/mini';
import { Refused } from './errors.ts';
import { contiguousRun, parseFeedCursor, type FeedReader } from './feed.ts';
import { conversationKey, messageKey, publicView } from './items.ts';
import type { Channel } from './message.ts';
import { parseQueryParameters, type QueryParameters } from './query-parameters.ts';
import { hasWindow, windowOf } from './window.ts';

/**
 * The query API (DESIGN §2): a tenant's conversations and a conversation's messages, newest
 * first, a page at a time, and the long-poll fallback that returns the frames the socket pushes.
 * Every function takes the tenant from the caller's verified token, never from the request.
 */

export type Item = Record<string, unknown>;

/** The last key of a page of `gsi1`: where the next page starts. */
export interface IndexKey {
  readonly pk: string;
  readonly sk: string;
  readonly gsi1pk: string;
  readonly gsi1sk: string;
}

export interface QueryStore {
  /** A conversation item by id, or undefined. */
  conversation(conversationId: string): Promise<Item | undefined>;
  /** Up to `limit` items of one `gsi1` partition, newest first, after `after`; `more` only when at least one more item follows them. */
  newestFirst(partition: string, limit: number, after?: IndexKey): Promise<{ readonly items: Item[]; readonly more: boolean }>;
}

/** The `gsi1` partitions items.ts files conversations and messages under (pinned by a unit test). */
export const conversationsPartition = (tenantId: string) => `TENANT#${tenantId}`;
export const messagesPartition = (conversationId: string) => `CONV#${conversationId}`;

/** One list of `gsi1`: its partition, and the table key items.ts gives the item with a given id. */
export interface IndexList {
  readonly partition: string;
  keyOf(id: string): { readonly pk: string; readonly sk: string };
}

export const conversationsList = (tenantId: string): IndexList => ({ partition: conversationsPartition(tenantId), keyOf: conversationKey });
export const messagesList = (conversationId: string): IndexList => ({ partition: messagesPartition(conversationId), keyOf: messageKey });

/** Ids are short; a longer one could not be a key and names nothing. */
const maxIdLength = 256;

export const pageLimits = { min: 1, max: 100, default: 25 } as const;
/** API Gateway REST gives up on an integration after 29 s: the longest wait leaves room to answer. */
export const maxWaitSeconds = 25;
/**
 * How often a long-poll looks for changes. The target is an answer within 100 ms of a change
 * being stored: measured through `npm start`, a 100 ms interval answered 104–164 ms after
 * storing, 50 ms answered in 27–63 ms. Each look is one strongly consistent Query of the
 * tenant's feed (1 read unit when nothing changed), so a waiting client costs about 20 read
 * units a second; clients that can hold a WebSocket should.
 */
export const pollIntervalMs = 50;
/** Lambda answers at most 6 MB; a page stops short of this and its cursor continues after it. */
export const maxPageBytes = 5_000_000;

const invalid = (message: string) => new Refused('bad_request', message);

const limitParam = z.optional(
  z.pipe(
    z.string().check(z.regex(/^(100|[1-9]\d?)$/, { error: `limit must be a whole number from ${pageLimits.min} to ${pageLimits.max}` })),
    z.transform(Number),
  ),
);
const cursorParam = z.optional(z.string().check(z.minLength(1, { error: 'cursor must not be empty' }), z.maxLength(4096, { error: 'cursor is too long' })));
const pageParams = z.object({ limit: limitParam, cursor: cursorParam });
const eventParams = z.object({
  limit: limitParam,
  cursor: cursorParam,
  wait: z.optional(
    z.pipe(z.string().check(z.regex(/^(\d|1\d|2[0-5])$/, { error: `wait must be a whole number of seconds from 0 to ${maxWaitSeconds}` })), z.transform(Number)),
  ),
});

const indexKey = z.object({ pk: z.string(), sk: z.string(), gsi1pk: z.string(), gsi1sk: z.string() });

/** Opaque to clients: base64url of the page's last key. */
export const encodePageCursor = (key: IndexKey): string =>
  Buffer.from(JSON.stringify({ pk: key.pk, sk: key.sk, gsi1pk: key.gsi1pk, gsi1sk: key.gsi1sk })).toString('base64url');

// Nanoseconds at most: DynamoDB refuses a key, or a key condition's value, past 1 KB.
const isoTimestamp = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?Z$/;

const isTimestamp = (text: string): boolean => isoTimestamp.test(text) && !Number.isNaN(Date.parse(text));

/**
 * Whether a key is the key of an item of `list`: items.ts files every item of a list under
 * `<timestamp>#<id>` and keys it by its id, so the sort key names the one item the table key
 * must be. Anything else is not a page's last key, and DynamoDB would refuse it (or, in the
 * partition of another list, start the query there).
 */
const isKeyOf = (key: IndexKey, list: IndexList): boolean => {
  const separator = key.gsi1sk.indexOf('#');
  const id = key.gsi1sk.slice(separator + 1);
  if (key.gsi1pk !== list.partition || separator < 0 || !isTimestamp(key.gsi1sk.slice(0, separator))) return false;
  if (id === '' || id.length > maxIdLength) return false;
  const expected = list.keyOf(id);
  return key.pk === expected.pk && key.sk === expected.sk;
};

/** The key a cursor continues after; refused unless it is the key of an item of this very list, as the API issues them. */
export const decodePageCursor = (cursor: string, list: IndexList): IndexKey => {
  let key: IndexKey | undefined;
  try {
    key = indexKey.parse(JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')));
  } catch {
    key = undefined;
  }
  if (!key || !isKeyOf(key, list)) throw invalid('cursor is not one this list issued: pass the cursor of the previous page unchanged');
  return key;
};

export interface Page {
  readonly items: Item[];
  /** Where the next page starts; null on the last page. */
  readonly cursor: string | null;
}

const pageOf = async (store: QueryStore, list: IndexList, parameters: QueryParameters): Promise<Page> => {
  const { limit = pageLimits.default, cursor } = parseQueryParameters(pageParams, parameters);
  const { items, more } = await store.newestFirst(list.partition, limit, cursor === undefined ? undefined : decodePageCursor(cursor, list));
  const kept: Item[] = [];
  let bytes = 0;
  for (const item of items) {
    const view = publicView(item);
    bytes += Buffer.byteLength(JSON.stringify(view));
    if (kept.length > 0 && bytes > maxPageBytes) break;
    kept.push(view);
  }
  const last = items[kept.length - 1];
  const cut = kept.length < items.length;
  return { items: kept, cursor: (more || cut) && last ? encodePageCursor(indexKey.parse(last)) : null };
};

/** GET /conversations: the tenant's conversations, latest activity first, each with its customer service window at `now`. */
export const listConversations = async (store: QueryStore, tenantId: string, parameters: QueryParameters, now = new Date()) => {
  const { items, cursor } = await pageOf(store, conversationsList(tenantId), parameters);
  const withWindow = (item: Item): Item => {
    const channel = item.channel as Channel;
    return hasWindow(channel) ? { ...item, window: windowOf(channel, item.lastInboundAt as string | undefined, now) } : item;
  };
  return { conversations: items.map(withWindow), cursor };
};

/** Another tenant's conversation is answered exactly like one that does not exist. */
const notFound = () => new Refused('not_found', 'no such conversation');

/** GET /conversations/{id}/messages: one conversation's messages, latest first; not found unless it is the tenant's. */
export const listMessages = async (store: QueryStore, tenantId: string, conversationId: string, parameters: QueryParameters) => {
  if (conversationId === '' || conversationId.length > maxIdLength) throw notFound();
  const conversation = await store.conversation(conversationId);
  if (conversation?.tenantId !== tenantId) throw notFound();
  const { items, cursor } = await pageOf(store, messagesList(conversationId), parameters);
  return { messages: items, cursor };
};

export interface Clock {
  now(): number;
  sleep(milliseconds: number): Promise<void>;
}

/**
 * GET /events: the tenant's frames after `cursor` in feed order, waiting up to `wait` seconds
 * (never past `deadline`) for the first one. Without a cursor it starts at the feed's head, as
 * a socket opened now would. The answer's `cursor` is the last number delivered or skipped
 * (holes, and gaps that can no longer fill; see functions/core/feed.ts), so following it never
 * skips a change that commits later. The frames are the very strings the socket was sent.
 */
export const pollEvents = async (feed: FeedReader, tenantId: string, parameters: QueryParameters, clock: Clock, deadline: number): Promise<string> => {
  const { limit = pageLimits.default, cursor, wait = 0 } = parseQueryParameters(eventParams, parameters);
  const head = await feed.head(tenantId);
  const start = cursor === undefined ? head : parseFeedCursor(cursor);
  if (start > head) throw invalid('cursor is ahead of this feed: pass a cursor a frame or an /events answer carried');
  const until = Math.min(clock.now() + wait * 1000, deadline);
  let position = start;
  for (;;) {
    // One more than the page, so that a gap right after it is seen.
    const run = contiguousRun(await feed.entriesAfter(tenantId, position, limit + 1), position, limit, clock.now(), maxPageBytes);
    position = run.cursor;
    const remaining = until - clock.now();
    if (run.frames.length > 0 || remaining <= 0) return `{"frames":[${run.frames.join(',')}],"cursor":${JSON.stringify(String(position))}}`;
    await clock.sleep(Math.min(pollIntervalMs, remaining));
  }
};
