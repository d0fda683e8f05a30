import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localCredentials } from '../../lib/local/aws.ts';
import type { LocalStackDescription } from '../../lib/local/stack.ts';
import { startLocalStackProcess, type LocalStackProcess } from '../helpers/local-stack.ts';
import { bulkWhatsappRequest } from '../helpers/meta-bulk.ts';
import { providerCredentials } from '../helpers/provider-credentials.ts';
import { queueDepths } from '../helpers/traffic.ts';
import { waitUntil } from '../helpers/waiting.ts';

/**
 * A request that outgrows one processor invocation, through `npm start`, whose runtime stops
 * the processor at its 30 s timeout as Lambda does: one signed WhatsApp POST with 10,000
 * messages (1.2 MB). Stored whole by one record it would time out on every receive and end
 * in the DLQ; split into parts, every message is stored exactly once.
 */

const tenant = 'e2e-large-request';
let stack: LocalStackProcess;

beforeAll(async () => {
  stack = await startLocalStackProcess();
}, 90_000);

afterAll(async () => {
  await stack?.stop();
});

/** The tenant's stored messages (their provider ids) and the sum of its conversations' message counts, read from DynamoDB Local. */
const storedForTenant = async (description: LocalStackDescription) => {
  const client = DynamoDBDocumentClient.from(new DynamoDBClient({ endpoint: description.dynamodbEndpoint, region: description.region, credentials: localCredentials }));
  const providerMessageIds: string[] = [];
  let countedByConversations = 0;
  try {
    let cursor: Record<string, unknown> | undefined;
    do {
      const page = await client.send(
        new ScanCommand({
          TableName: description.tables.Messages,
          FilterExpression: 'tenantId = :tenant AND #entity IN (:message, :conversation)',
          ExpressionAttributeNames: { '#entity': 'entity' },
          ExpressionAttributeValues: { ':tenant': tenant, ':message': 'message', ':conversation': 'conversation' },
          ProjectionExpression: '#entity, providerMessageId, messageCount',
          ...(cursor && { ExclusiveStartKey: cursor }),
        }),
      );
      for (const item of page.Items ?? []) {
        if (item.entity === 'message') providerMessageIds.push(String(item.providerMessageId));
        else countedByConversations += Number(item.messageCount ?? 0);
      }
      cursor = page.LastEvaluatedKey;
    } while (cursor);
    return { providerMessageIds, countedByConversations };
  } finally {
    client.destroy();
  }
};

describe('a 10,000-message WhatsApp request on the local stack', () => {
  it('stores every message exactly once, with nothing in the DLQ and no processor timeout', async () => {
    // Prepare
    const endpoint = JSON.parse(await stack.cli(['endpoint', 'add', '--provider', 'meta', '--tenant', tenant, '--secret', providerCredentials.meta!.secret, '--verify-token', 'e2e-verify-token'])) as { url: string };
    const request = bulkWhatsappRequest({ appSecret: providerCredentials.meta!.secret, count: 10_000 });

    // Act
    const response = await fetch(endpoint.url, { method: 'POST', headers: request.headers, body: request.body });
    await waitUntil(async () => {
      // A processor invocation stopped at its timeout would only come back minutes later: fail now, saying so.
      const timedOut = /InvocationTimedOut.*/.exec(stack.output());
      if (timedOut) throw new Error(timedOut[0]);
      return (await queueDepths(stack.description)).ingest === 0;
    }, 'the ingest queue to drain', 240_000);

    // Assess
    expect(response.status).toBe(200);
    expect(request.body.length).toBeGreaterThan(1_000_000);
    const stored = await storedForTenant(stack.description);
    expect(stored.providerMessageIds).toHaveLength(10_000);
    expect(new Set(stored.providerMessageIds)).toEqual(new Set(request.messageIds));
    expect(stored.countedByConversations).toBe(10_000);
    expect((await queueDepths(stack.description)).deadLetter).toBe(0);
    expect(stack.output()).not.toMatch(/InvocationTimedOut|time ran out/);
  }, 300_000);
});
