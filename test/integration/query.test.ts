import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFeedReader, createFeedWriter } from '../../functions/adapters/feed-store.ts';
import { createMessageStore, type MessageStore } from '../../functions/adapters/message-store.ts';
import { createQueryStore } from '../../functions/adapters/query-store.ts';
import { conversationIdFor, type ConversationKey } from '../../functions/core/ids.ts';
import { conversationKey, messageItem, messageKey, type StoredMessage } from '../../functions/core/items.ts';
import { publishFrames, type FeedReader, type FeedRecord, type FeedWriter } from '../../functions/core/feed.ts';
import { frameFor } from '../../functions/core/frames.ts';
import { listConversations, listMessages, pollEvents, type QueryStore } from '../../functions/core/query.ts';
import { issueToken } from '../../functions/core/tokens.ts';
import { lambdaContext } from '../../lib/local/lambda-context.ts';
import { lambdaEvent } from '../helpers/events.ts';
import { aStoredMessage } from '../helpers/factories.ts';
import { startDynamoDb, startJwtSecret } from '../helpers/services.ts';

/** The query API's reads and the deployed query handler against DynamoDB Local, with writes landing meanwhile. */

const jwtSecret = 'query-integration-secret';
let dynamo: Awaited<ReturnType<typeof startDynamoDb>>;
let secrets: Awaited<ReturnType<typeof startJwtSecret>>;
let messages: MessageStore;
let queries: QueryStore;
let feedReader: FeedReader;
let feedWriter: FeedWriter;
let handler: (event: APIGatewayProxyEvent, context: Context) => Promise<APIGatewayProxyResult>;

beforeAll(async () => {
  dynamo = await startDynamoDb();
  secrets = await startJwtSecret(jwtSecret);
  messages = createMessageStore(dynamo.documentClient, dynamo.tables.Messages);
  queries = createQueryStore(dynamo.documentClient, dynamo.tables.Messages);
  feedReader = createFeedReader(dynamo.documentClient, dynamo.tables.Feed);
  feedWriter = createFeedWriter(dynamo.documentClient, dynamo.tables.Feed);
  Object.assign(process.env, {
    ...dynamo.handlerEnvironment,
    MESSAGES_TABLE: dynamo.tables.Messages,
    FEED_TABLE: dynamo.tables.Feed,
    STATS_TABLE: dynamo.tables.Stats,
    // The bucket whose kept media the query function signs links to.
    BODY_BUCKET: 'bodies',
    ...secrets.handlerEnvironment,
  });
  ({ handler } = await import('../../functions/query/handler.ts'));
});

afterAll(async () => {
  await secrets?.stop();
  await dynamo?.stop();
});

const conversation = (tenantId: string, customer: string): ConversationKey => ({ tenantId, channel: 'sms', businessAddress: '+15005550006', customerAddress: customer });

let sequence = 0;
/** A message received now (so later ones sort after it), with an id of its own. */
const message = (key: ConversationKey, text = 'hello'): StoredMessage => {
  const now = new Date().toISOString();
  return aStoredMessage({ providerMessageId: `SM${String((sequence += 1)).padStart(32, '0')}`, text, receivedAt: now, storedAt: now, source: { requestId: 'req_1', endpointId: 'ep_1' } }, key);
};

const save = async (key: ConversationKey, text?: string): Promise<StoredMessage> => {
  const stored = message(key, text);
  expect(await messages.saveMessage(stored, key)).toBe('stored');
  // Distinct milliseconds keep "received before" meaningful for the assertions.
  await sleep(2);
  return stored;
};

/** Writes messages until told to stop, while a test pages: the arrivals paging must not trip over. */
const keepArriving = (write: () => Promise<unknown>) => {
  let running = true;
  const done = (async () => {
    let count = 0;
    while (running) {
      await write();
      count += 1;
    }
    return count;
  })();
  return async () => {
    running = false;
    return done;
  };
};

const request = (resource: string, options: { token?: string; query?: Record<string, string>; id?: string; authorization?: string } = {}) => {
  const event = lambdaEvent<APIGatewayProxyEvent>('ack-twilio.json');
  const path = resource.replace('{id}', options.id ?? '');
  return handler(
    {
      ...event,
      resource,
      path,
      httpMethod: 'GET',
      headers: options.authorization !== undefined ? { Authorization: options.authorization } : options.token ? { Authorization: `Bearer ${options.token}` } : {},
      multiValueHeaders: {},
      queryStringParameters: options.query ?? null,
      multiValueQueryStringParameters: null,
      pathParameters: options.id ? { id: options.id } : null,
      body: null,
      isBase64Encoded: false,
    },
    lambdaContext('query'),
  );
};

describe('paging on DynamoDB Local while messages keep arriving', () => {
  it("pages through a conversation's messages newest first without gaps or repeats", async () => {
    // Prepare
    const key = conversation('acme', '+14155550101');
    const before: StoredMessage[] = [];
    for (let index = 0; index < 40; index += 1) before.push(await save(key));

    // Act
    const stop = keepArriving(() => save(key, 'arrived while paging'));
    const seen: Record<string, unknown>[] = [];
    let cursor: string | null | undefined;
    do {
      const page = await listMessages(queries, 'acme', conversationIdFor(key), { limit: '7', ...(cursor && { cursor }) });
      seen.push(...page.messages);
      cursor = page.cursor;
    } while (cursor);
    const arrived = await stop();

    // Assess
    const ids = seen.map((item) => item.id);
    const newer = seen.slice(0, -before.length);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.slice(-before.length)).toEqual(before.map((item) => item.id).reverse());
    // What arrived before the first page was read is on it; what arrived later is newer than every page.
    expect(newer.every((item) => item.text === 'arrived while paging')).toBe(true);
    expect(arrived).toBeGreaterThan(newer.length);
    const received = seen.map((item) => String(item.receivedAt));
    expect(received).toEqual([...received].sort().reverse());
  });

  it("pages through a tenant's conversations newest first without gaps or repeats while new ones start", async () => {
    // Prepare
    const tenantId = 'initech';
    const before: string[] = [];
    for (let index = 0; index < 12; index += 1) before.push((await save(conversation(tenantId, `+1415556${String(index).padStart(4, '0')}`))).conversationId);
    let fresh = 0;

    // Act
    const stop = keepArriving(() => save(conversation(tenantId, `+1415557${String((fresh += 1)).padStart(4, '0')}`)));
    const seen: Record<string, unknown>[] = [];
    let cursor: string | null | undefined;
    do {
      const page = await listConversations(queries, tenantId, { limit: '5', ...(cursor && { cursor }) });
      seen.push(...page.conversations);
      cursor = page.cursor;
    } while (cursor);
    await stop();

    // Assess
    const seenIds = seen.map((item) => item.id);
    expect(new Set(seenIds).size).toBe(seenIds.length);
    // Conversations started meanwhile are newer than the first page: they show up on the next first page, not here.
    expect(seenIds.filter((id) => before.includes(String(id)))).toEqual([...before].reverse());
    expect(seen.every((item) => item.tenantId === tenantId)).toBe(true);
  });

  it('hands out no cursor with the last page, even when it is exactly full', async () => {
    // Prepare: two conversations, the second with three messages
    const tenantId = 'last-page';
    await save(conversation(tenantId, '+14155550401'));
    const key = conversation(tenantId, '+14155550402');
    for (let index = 0; index < 3; index += 1) await save(key);
    const conversationId = conversationIdFor(key);

    // Act
    const allConversations = await listConversations(queries, tenantId, { limit: '2' });
    const allMessages = await listMessages(queries, tenantId, conversationId, { limit: '3' });
    const firstMessages = await listMessages(queries, tenantId, conversationId, { limit: '2' });
    const lastMessages = await listMessages(queries, tenantId, conversationId, { limit: '2', cursor: firstMessages.cursor ?? '' });

    // Assess
    expect([allConversations.conversations.length, allConversations.cursor]).toEqual([2, null]);
    expect([allMessages.messages.length, allMessages.cursor]).toEqual([3, null]);
    expect(firstMessages.cursor).toEqual(expect.any(String));
    expect([lastMessages.messages.length, lastMessages.cursor]).toEqual([1, null]);
  });
});

describe('the change feed on DynamoDB Local', () => {
  const frameOf = (tenantId: string, id: string): FeedRecord => ({ recordId: `rec-${id}`, frame: { type: 'message.created', tenantId, data: { id } } });
  const poll = async (tenantId: string, cursor: string) =>
    JSON.parse(await pollEvents(feedReader, tenantId, { cursor, limit: '7' }, { now: () => Date.now(), sleep }, Date.now())) as { frames: { cursor: string; data: { id: string } }[]; cursor: string };

  it('hands a reader following cursors every frame once, in order, while two broadcasters publish at once', async () => {
    // Prepare
    const tenantId = 'hooli';
    const batches = Array.from({ length: 20 }, (_, batch) => Array.from({ length: 15 }, (_, index) => frameOf(index % 3 === 0 ? 'hooli-other' : tenantId, `b${batch}-${index}`)));
    const expected = batches.flat().filter((record) => record.frame.tenantId === tenantId).map((record) => String(record.frame.data.id));

    // Act: two "invocations" at once, as two shards would, each publishing its batches one after another
    const publishing = Promise.all([0, 1].map(async (lane) => {
      for (const batch of batches.filter((_, index) => index % 2 === lane)) await publishFrames(batch, feedWriter);
    }));
    const seen: string[] = [];
    const cursors: number[] = [];
    let cursor = '0';
    let done = false;
    void publishing.then(() => (done = true));
    while (!done || seen.length < expected.length) {
      const answer = await poll(tenantId, cursor);
      seen.push(...answer.frames.map((frame) => frame.data.id));
      cursors.push(...answer.frames.map((frame) => Number(frame.cursor)));
      cursor = answer.cursor;
      if (done && answer.frames.length === 0) break;
    }

    // Assess
    expect([...seen].sort()).toEqual([...expected].sort());
    expect(cursors).toEqual(cursors.map((_, index) => index + 1));
    // Each batch's frames of the tenant keep their stream order.
    for (const batch of batches) {
      const ids = batch.filter((record) => record.frame.tenantId === tenantId).map((record) => String(record.frame.data.id));
      expect(seen.filter((id) => ids.includes(id))).toEqual(ids);
    }
  });

  it('publishes a retried record once, leaving a hole a reader passes at once', async () => {
    const tenantId = 'retried';
    const first = [frameOf(tenantId, 'r1'), frameOf(tenantId, 'r2')];
    await publishFrames(first, feedWriter);

    const retried = await publishFrames([first[1]!, frameOf(tenantId, 'r3')], feedWriter);
    const answer = await poll(tenantId, '0');

    expect(retried.map((outcome) => outcome.status)).toEqual(['duplicate', 'published']);
    expect(answer.frames.map((frame) => [frame.cursor, frame.data.id])).toEqual([
      ['1', 'r1'],
      ['2', 'r2'],
      ['4', 'r3'],
    ]);
    expect(answer.cursor).toBe('4');
  });

  it('stops at a number reserved but not written yet, and goes on once it is', async () => {
    const tenantId = 'reserved';
    await publishFrames([frameOf(tenantId, 'g1')], feedWriter);
    const { first: held, reservedAt } = await feedWriter.reserve(tenantId, 1);
    await publishFrames([frameOf(tenantId, 'g3')], feedWriter);

    const waiting = await poll(tenantId, '0');
    await feedWriter.publish([{ tenantId, recordId: 'rec-g2', seq: held, frame: JSON.stringify({ type: 'message.created', tenantId, data: { id: 'g2' }, cursor: String(held) }), reservedAt }]);
    const filled = await poll(tenantId, waiting.cursor);

    expect(waiting.frames.map((frame) => frame.data.id)).toEqual(['g1']);
    expect(waiting.cursor).toBe('1');
    expect(filled.frames.map((frame) => frame.data.id)).toEqual(['g2', 'g3']);
  });
});

describe('the query handler on DynamoDB Local', () => {
  it('refuses a missing, malformed or forged token with 401', async () => {
    const forged = await issueToken('acme', 'another-secret', 3600);

    const answers = await Promise.all([
      request('/conversations'),
      request('/conversations', { authorization: 'Basic YWNtZTpzZWNyZXQ=' }),
      request('/conversations', { token: forged }),
      request('/events', { token: 'not.a.jwt' }),
    ]);

    expect(answers.map((answer) => answer.statusCode)).toEqual([401, 401, 401, 401]);
    expect(answers[0]?.headers?.['www-authenticate']).toBe('Bearer');
  });

  it("scopes every route to the token's tenant: another tenant's conversation is 404", async () => {
    // Prepare
    const acmeKey = conversation('acme', '+14155550199');
    const stored = await save(acmeKey, 'for acme only');
    const globex = await issueToken('globex', jwtSecret, 3600);
    const acme = await issueToken('acme', jwtSecret, 3600);

    // Act
    const foreignMessages = await request('/conversations/{id}/messages', { token: globex, id: stored.conversationId });
    const foreignList = await request('/conversations', { token: globex });
    const foreignEvents = await request('/events', { token: globex, query: { cursor: '0' } });
    const own = await request('/conversations/{id}/messages', { token: acme, id: stored.conversationId, query: { limit: '1' } });

    // Assess
    expect(foreignMessages.statusCode).toBe(404);
    expect(JSON.parse(foreignMessages.body)).toEqual({ error: 'no such conversation', reason: 'not_found' });
    expect(JSON.parse(foreignList.body)).toEqual({ conversations: [], cursor: null });
    expect(JSON.parse(foreignEvents.body)).toMatchObject({ frames: [] });
    expect(own.statusCode).toBe(200);
    expect(own.headers?.['cache-control']).toBe('private, no-store');
    expect(JSON.parse(own.body).messages).toEqual([expect.objectContaining({ id: stored.id, text: 'for acme only', tenantId: 'acme' })]);
  });

  it('answers 400 with the reason for a bad limit', async () => {
    const token = await issueToken('acme', jwtSecret, 3600);

    const answer = await request('/conversations', { token, query: { limit: '1000' } });

    expect(answer.statusCode).toBe(400);
    expect(JSON.parse(answer.body)).toEqual({ error: 'limit must be a whole number from 1 to 100', reason: 'bad_request' });
  });

  it('holds a long-poll until a message is stored, then returns its frames and a cursor that does not repeat them', async () => {
    // Prepare
    const token = await issueToken('umbrella', jwtSecret, 3600);
    const { cursor } = JSON.parse((await request('/events', { token })).body) as { cursor: string };

    // Act
    const polling = request('/events', { token, query: { cursor, wait: '20' } });
    await sleep(500);
    const stored = await save(conversation('umbrella', '+14155550104'), 'long-polled');
    // What the broadcaster does with the two stream records of the write.
    await publishFrames(
      [
        { recordId: `rec-${stored.id}`, frame: frameFor({ eventName: 'INSERT', newImage: messageItem(stored) })! },
        { recordId: `rec-${stored.conversationId}`, frame: { type: 'conversation.updated', tenantId: 'umbrella', data: { id: stored.conversationId } } },
      ],
      feedWriter,
    );
    const answer = await polling;
    const body = JSON.parse(answer.body) as { frames: { type: string; data: { id: string } }[]; cursor: string };
    const again = JSON.parse((await request('/events', { token, query: { cursor: body.cursor } })).body) as unknown;

    // Assess
    expect(answer.statusCode).toBe(200);
    expect(body.frames.map((frame) => frame.type).sort()).toEqual(['conversation.updated', 'message.created']);
    expect(body.frames.find((frame) => frame.type === 'message.created')?.data.id).toBe(stored.id);
    expect(again).toEqual({ frames: [], cursor: body.cursor });
  });
});

describe('forged cursors and parameters on DynamoDB Local', () => {
  const badCursor = { error: 'cursor is not one this list issued: pass the cursor of the previous page unchanged', reason: 'bad_request' };
  const cursorOf = (key: unknown) => Buffer.from(JSON.stringify(key)).toString('base64url');
  let acme: string;
  let acmeKey: ConversationKey;
  let ownConversation: StoredMessage;
  let otherConversation: StoredMessage;
  let globexConversation: StoredMessage;
  /** Real cursors, each the second page of its list. */
  let cursors: { acmeConversations: string; otherMessages: string; globexConversations: string; globexMessages: string };

  beforeAll(async () => {
    acme = await issueToken('forgery', jwtSecret, 3600);
    acmeKey = conversation('forgery', '+14155550301');
    ownConversation = await save(acmeKey);
    await save(acmeKey);
    otherConversation = await save(conversation('forgery', '+14155550302'));
    await save(conversation('forgery', '+14155550302'));
    const globexKey = conversation('forgery-globex', '+14155550303');
    globexConversation = await save(globexKey);
    await save(globexKey);
    await save(conversation('forgery-globex', '+14155550304'));
    const cursorOfPage = async (page: Promise<{ cursor: string | null }>) => (await page).cursor ?? '';
    cursors = {
      acmeConversations: await cursorOfPage(listConversations(queries, 'forgery', { limit: '1' })),
      otherMessages: await cursorOfPage(listMessages(queries, 'forgery', otherConversation.conversationId, { limit: '1' })),
      globexConversations: await cursorOfPage(listConversations(queries, 'forgery-globex', { limit: '1' })),
      globexMessages: await cursorOfPage(listMessages(queries, 'forgery-globex', globexConversation.conversationId, { limit: '1' })),
    };
  });

  const conversations = (query: Record<string, string>) => request('/conversations', { token: acme, query });
  const ownMessages = (query: Record<string, string>) => request('/conversations/{id}/messages', { token: acme, id: ownConversation.conversationId, query });
  const answerOf = async (answer: Promise<APIGatewayProxyResult>) => {
    const { statusCode, body } = await answer;
    return { statusCode, body: JSON.parse(body) as unknown };
  };

  it('follows the cursors it issued', async () => {
    const next = await answerOf(conversations({ limit: '1', cursor: cursors.acmeConversations }));

    expect(next).toMatchObject({ statusCode: 200, body: { conversations: [{ id: ownConversation.conversationId }] } });
  });

  it.each([
    ['empty key strings', () => cursorOf({ pk: '', sk: '', gsi1pk: 'TENANT#forgery', gsi1sk: '' })],
    ['keys of the wrong types', () => cursorOf({ pk: 1, sk: true, gsi1pk: 'TENANT#forgery', gsi1sk: ['x'] })],
    ["another tenant's cursor", () => cursors.globexConversations],
    ["another tenant's partition with this tenant's item", () => cursorOf({ ...JSON.parse(Buffer.from(cursors.acmeConversations, 'base64url').toString()), gsi1pk: 'TENANT#forgery-globex' })],
    ["this tenant's partition with another's item key", () => cursorOf({ ...JSON.parse(Buffer.from(cursors.acmeConversations, 'base64url').toString()), ...messageKey(globexConversation.id) })],
    ['a key larger than DynamoDB takes', () => cursorOf({ ...conversationKey('c'.repeat(1100)), gsi1pk: 'TENANT#forgery', gsi1sk: `2026-11-22T12:00:00.000Z#${'c'.repeat(1100)}` })],
    ['garbage base64', () => 'bm90IGEgY3Vyc29y!!~~'],
  ])('answers 400 with the reason for %s on /conversations', async (_case, cursor) => {
    expect(await answerOf(conversations({ cursor: cursor() }))).toEqual({ statusCode: 400, body: badCursor });
  });

  it.each([
    ['empty key strings', () => cursorOf({ pk: '', sk: '', gsi1pk: `CONV#${ownConversation.conversationId}`, gsi1sk: '' })],
    ["another conversation's cursor", () => cursors.otherMessages],
    ["another tenant's conversation's cursor", () => cursors.globexMessages],
    ["another tenant's conversations cursor", () => cursors.globexConversations],
  ])('answers 400 with the reason for %s on /conversations/{id}/messages', async (_case, cursor) => {
    expect(await answerOf(ownMessages({ cursor: cursor() }))).toEqual({ statusCode: 400, body: badCursor });
  });

  it('answers 400 with the reason for a cursor too large to be one, on every route', async () => {
    const huge = 'A'.repeat(100_000);

    const answers = await Promise.all([conversations({ cursor: huge }), ownMessages({ cursor: huge }), request('/events', { token: acme, query: { cursor: huge } })].map(answerOf));

    expect(answers).toEqual(Array(3).fill({ statusCode: 400, body: { error: 'cursor is too long', reason: 'bad_request' } }));
  });

  const notAFrameCursor = 'cursor must be the cursor of a frame or of an /events answer: a whole number from 0 to 9007199254740991';
  it.each([
    ['a cursor of the former timestamp kind', { cursor: '2026-11-22T12:00:00.000Z/msg_1' }, notAFrameCursor],
    ['a number past what DynamoDB and JSON hold exactly', { cursor: '9'.repeat(3000) }, notAFrameCursor],
    ['a number past the head of the feed', { cursor: '12345' }, 'cursor is ahead of this feed: pass a cursor a frame or an /events answer carried'],
    ["a list's cursor", { cursor: cursorOf({ ...conversationKey('conv_1'), gsi1pk: 'TENANT#forgery', gsi1sk: '2026-11-22T12:00:00.000Z#conv_1' }) }, notAFrameCursor],
    ['an empty cursor', { cursor: '' }, 'cursor must not be empty'],
    ['an empty wait', { wait: '' }, 'wait must be a whole number of seconds from 0 to 25'],
    ['a fractional wait', { wait: '2.5' }, 'wait must be a whole number of seconds from 0 to 25'],
    ['a zero limit', { limit: '0' }, 'limit must be a whole number from 1 to 100'],
  ])('answers 400 with the reason for %s on /events', async (_case, query, reason) => {
    expect(await answerOf(request('/events', { token: acme, query }))).toEqual({ statusCode: 400, body: { error: reason, reason: 'bad_request' } });
  });

  it.each<Record<string, string>>([{ limit: '' }, { limit: '-1' }, { limit: '1e2' }, { cursor: '' }])('answers 400 for %j on the lists', async (query) => {
    const answers = await Promise.all([conversations(query), ownMessages(query)].map(answerOf));

    expect(answers.map((answer) => answer.statusCode)).toEqual([400, 400]);
    expect(answers.every((answer) => typeof (answer.body as { error?: unknown }).error === 'string')).toBe(true);
  });
});
