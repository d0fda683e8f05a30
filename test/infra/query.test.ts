import { describe, expect, it } from 'vitest';
import { maxWaitSeconds } from '../../functions/core/query.ts';
import { synthesize } from '../helpers/synth.ts';

/** The query API's share of the synthesized template: routes, timeout, and read-only access. */

describe('query', () => {
  it('serves GET /conversations, /conversations/{id}/messages, /events, /stats and /webhooks/recent, and their preflights, from the query function', () => {
    // Prepare
    const { stack, template, logicalId, resources } = synthesize();
    const queryFunction = logicalId(stack.query.queryFunction);

    // Act
    const methods = Object.values(template.findResources('AWS::ApiGateway::Method')).filter((method) => JSON.stringify(method).includes(queryFunction));
    const pathOf = (resourceId: string): string => {
      const resource = resources[resourceId];
      if (!resource) return '';
      const parent = resource.Properties.ParentId as { Ref?: string };
      return `${parent.Ref ? pathOf(parent.Ref) : ''}/${String(resource.Properties.PathPart)}`;
    };
    const routes = methods.map((method) => `${String(method.Properties.HttpMethod)} ${pathOf((method.Properties.ResourceId as { Ref: string }).Ref)}`);

    // Assess
    expect(routes.sort()).toEqual([
      'GET /conversations',
      'GET /conversations/{id}/messages',
      'GET /events',
      'GET /stats',
      'GET /webhooks/recent',
      // CORS preflights for an inbox on another origin (test/infra/inbox.test.ts).
      'OPTIONS /conversations',
      'OPTIONS /conversations/{id}/messages',
      'OPTIONS /events',
      'OPTIONS /stats',
      'OPTIONS /webhooks/recent',
    ]);
  });

  it('lets a long-poll wait its longest and answer before API Gateway gives up at 29 s', () => {
    const { stack, logicalId, resources } = synthesize();

    const properties = resources[logicalId(stack.query.queryFunction)]?.Properties ?? {};

    expect(properties.Timeout).toBe(28);
    // The handler stops waiting 2 s before its own timeout.
    expect(maxWaitSeconds + 2).toBeLessThanOrEqual(Number(properties.Timeout));
    expect(properties.Environment).toEqual({
      Variables: expect.objectContaining({
        MESSAGES_TABLE: { Ref: logicalId(stack.storage.messagesTable) },
        FEED_TABLE: { Ref: logicalId(stack.storage.feedTable) },
        JWT_SECRET_ARN: { Ref: logicalId(stack.realtime.jwtSecret) },
      }),
    });
  });

  it('may only get and query the messages table and its indexes, the feed table and the stats table and its index, read kept media, and read the token secret', () => {
    // Prepare
    const { stack, logicalId, statementsOf, grantedActions } = synthesize();
    const table = logicalId(stack.storage.messagesTable);
    const feed = logicalId(stack.storage.feedTable);
    const stats = logicalId(stack.storage.tables.Stats);

    // Act
    const statements = statementsOf(stack.query.queryFunction.role!);

    // Assess
    expect([...new Set(grantedActions(stack.query.queryFunction.role!))]).toEqual([
      'dynamodb:GetItem',
      'dynamodb:Query',
      // Kept media under media/ only, for the links it signs.
      's3:GetObject',
      'secretsmanager:DescribeSecret',
      'secretsmanager:GetSecretValue',
    ]);
    const reads = statements.filter((statement) => statement.Action.includes('dynamodb:Query')).flatMap((statement) => [statement.Resource].flat());
    expect(reads).toEqual([
      { 'Fn::GetAtt': [table, 'Arn'] },
      { 'Fn::Join': ['', [{ 'Fn::GetAtt': [table, 'Arn'] }, '/index/*']] },
      { 'Fn::GetAtt': [feed, 'Arn'] },
      { 'Fn::GetAtt': [stats, 'Arn'] },
      { 'Fn::Join': ['', [{ 'Fn::GetAtt': [stats, 'Arn'] }, '/index/*']] },
    ]);
  });

  it("keeps the stats in a table keyed by pk and sk, with the byScope index, expiring by expiresAt, without a stream", () => {
    const { stack, logicalId, resources } = synthesize();

    const stats = resources[logicalId(stack.storage.tables.Stats)];

    expect(stats?.Properties).toMatchObject({
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      GlobalSecondaryIndexes: [
        {
          IndexName: 'byScope',
          KeySchema: [
            { AttributeName: 'scope', KeyType: 'HASH' },
            { AttributeName: 'scopeSk', KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'ALL' },
        },
      ],
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
      BillingMode: 'PAY_PER_REQUEST',
    });
    expect(stats?.Properties.StreamSpecification).toBeUndefined();
  });

  it("keeps each tenant's change feed in a table keyed by tenant and sequence number, expiring after a day, without a stream or an index", () => {
    const { stack, logicalId, resources } = synthesize();

    const feed = resources[logicalId(stack.storage.feedTable)];

    expect(feed?.Properties).toMatchObject({
      KeySchema: [
        { AttributeName: 'tenantId', KeyType: 'HASH' },
        { AttributeName: 'seq', KeyType: 'RANGE' },
      ],
      AttributeDefinitions: [
        { AttributeName: 'tenantId', AttributeType: 'S' },
        { AttributeName: 'seq', AttributeType: 'N' },
      ],
      BillingMode: 'PAY_PER_REQUEST',
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
    });
    expect(feed?.Properties.StreamSpecification).toBeUndefined();
    expect(feed?.Properties.GlobalSecondaryIndexes).toBeUndefined();
    // A new counter would hand out numbers that clients already hold.
    expect(feed?.DeletionPolicy).toBe('Retain');
  });

  it('no longer indexes the messages table by change time: the feed orders changes', () => {
    const { stack, logicalId, resources } = synthesize();

    const indexes = resources[logicalId(stack.storage.messagesTable)]?.Properties.GlobalSecondaryIndexes as { IndexName: string }[];

    // outbox lists a tenant's outbound messages by acceptance time (test/infra/sending.test.ts).
    expect(indexes.map((index) => index.IndexName)).toEqual(['gsi1', 'outbox']);
  });
});
