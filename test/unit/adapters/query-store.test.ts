import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, QueryCommand, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { createQueryStore } from '../../../functions/adapters/query-store.ts';

const documentClient = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1' }));
const dynamo = mockClient(documentClient);
const store = createQueryStore(documentClient, 'Messages');

/** Index items of one partition, newest first, as gsi1 holds them. */
const indexed = (count: number) =>
  Array.from({ length: count }, (_, index) => {
    const id = `conv_${String(count - index).padStart(3, '0')}`;
    return { pk: `CONV#${id}`, sk: 'CONV', gsi1pk: 'TENANT#acme', gsi1sk: `2026-11-22T12:00:${String(count - index).padStart(2, '0')}.000Z#${id}`, id };
  });

/**
 * A query of gsi1 answered as DynamoDB answers it: from after ExclusiveStartKey, at most Limit
 * items, and at most `perResponse` (its 1 MB cap, in items); a LastEvaluatedKey whenever it
 * stopped at either, even when nothing follows.
 */
const answerLikeDynamoDb = (items: ReturnType<typeof indexed>, perResponse = Number.POSITIVE_INFINITY) =>
  dynamo.on(QueryCommand).callsFake((input: QueryCommandInput) => {
    const from = input.ExclusiveStartKey ? items.findIndex((item) => item.gsi1sk === input.ExclusiveStartKey?.gsi1sk) + 1 : 0;
    const taken = items.slice(from, from + Math.min(input.Limit ?? Number.POSITIVE_INFINITY, perResponse));
    const stopped = taken.length === input.Limit || taken.length === perResponse;
    const last = taken.at(-1);
    return { Items: taken, ...(stopped && last && { LastEvaluatedKey: { pk: last.pk, sk: last.sk, gsi1pk: last.gsi1pk, gsi1sk: last.gsi1sk } }) };
  });

beforeEach(() => {
  dynamo.reset();
});

describe('query store: newestFirst', () => {
  it('says there is no more when the page holds exactly the last items', async () => {
    answerLikeDynamoDb(indexed(2));

    const page = await store.newestFirst('TENANT#acme', 2);

    expect(page.items.map((item) => item.id)).toEqual(['conv_002', 'conv_001']);
    expect(page.more).toBe(false);
  });

  it('says there is more only when another item follows the page', async () => {
    answerLikeDynamoDb(indexed(3));

    const first = await store.newestFirst('TENANT#acme', 2);
    const last = first.items.at(-1)!;
    const second = await store.newestFirst('TENANT#acme', 2, { pk: String(last.pk), sk: String(last.sk), gsi1pk: String(last.gsi1pk), gsi1sk: String(last.gsi1sk) });

    expect([first.items.length, first.more]).toEqual([2, true]);
    expect(second.items.map((item) => item.id)).toEqual(['conv_001']);
    expect(second.more).toBe(false);
  });

  it('goes on past a response DynamoDB cut at 1 MB until the page is full, skipping nothing', async () => {
    answerLikeDynamoDb(indexed(7), 2);

    const page = await store.newestFirst('TENANT#acme', 5);

    expect(page.items.map((item) => item.id)).toEqual(['conv_007', 'conv_006', 'conv_005', 'conv_004', 'conv_003']);
    expect(page.more).toBe(true);
    expect(dynamo.commandCalls(QueryCommand).map((call) => call.args[0].input.Limit)).toEqual([6, 4, 2]);
  });
});
