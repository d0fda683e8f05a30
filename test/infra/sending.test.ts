import { describe, expect, it } from 'vitest';
import { sendKeyOf } from '../../functions/adapters/credential-box.ts';
import { grantsOf } from '../../lib/definitions/environment.ts';
import { sendQueueIds, type Grant } from '../../lib/definitions/functions.ts';
import { reconcilerSettings, sendQueueSettings, senderSettings } from '../../lib/definitions/pipeline.ts';
import { synthesize } from '../helpers/synth.ts';

/** Sending's share of the synthesized template: its queues, mappings, schedule, routes, table, key and grants. */

/** What an SQS event source mapping adds to its function's role, beside the declared grants. */
const mappingActions = ['sqs:ChangeMessageVisibility', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes', 'sqs:GetQueueUrl', 'sqs:ReceiveMessage'];

describe('sending: queues', () => {
  it.each(sendQueueIds)('redrives %s to its own DLQ after five receives, invisible for six sender timeouts, encrypted and SSL only', (queueId) => {
    // Prepare
    const { template, resource, logicalId, stack } = synthesize();
    const { queue, deadLetterQueue } = stack.sending.queues[queueId];

    // Act
    const properties = resource(queue).Properties;
    const dlq = resource(deadLetterQueue).Properties;

    // Assess
    expect(properties).toEqual({
      VisibilityTimeout: 6 * senderSettings.timeoutSeconds,
      MessageRetentionPeriod: 4 * 24 * 3600,
      SqsManagedSseEnabled: true,
      RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': [logicalId(deadLetterQueue), 'Arn'] }, maxReceiveCount: 5 },
    });
    expect(dlq).toEqual({ MessageRetentionPeriod: sendQueueSettings.dlqRetentionPeriodSeconds, SqsManagedSseEnabled: true });
    for (const id of [logicalId(queue), logicalId(deadLetterQueue)]) {
      const policies = Object.values(template.findResources('AWS::SQS::QueuePolicy')).filter((policy) => JSON.stringify(policy.Properties.Queues) === JSON.stringify([{ Ref: id }]));
      expect(JSON.stringify(policies), id).toContain('"aws:SecureTransport":"false"');
    }
  });

  it('feeds the sender from each send queue, reporting failed records one by one, at the concurrency its definition caps', () => {
    // Prepare
    const { template, logicalId, stack } = synthesize();
    const sender = logicalId(stack.sending.senderFunction);

    // Act
    const mappings = Object.values(template.findResources('AWS::Lambda::EventSourceMapping'))
      .map((mapping) => mapping.Properties)
      .filter((mapping) => JSON.stringify(mapping.FunctionName) === JSON.stringify({ Ref: sender }));

    // Assess
    expect(mappings).toEqual(
      senderSettings.triggers.map((trigger) => ({
        EventSourceArn: { 'Fn::GetAtt': [logicalId(stack.sending.queues[trigger.queue as (typeof sendQueueIds)[number]].queue), 'Arn'] },
        FunctionName: { Ref: sender },
        BatchSize: trigger.batchSize,
        ScalingConfig: { MaximumConcurrency: trigger.maxConcurrency },
        FunctionResponseTypes: ['ReportBatchItemFailures'],
      })),
    );
    expect(mappings).toHaveLength(sendQueueIds.length);
  });
});

describe('sending: the reconciler', () => {
  it('runs on an EventBridge schedule at the rate of its definition, and on nothing else', () => {
    // Prepare
    const { template, logicalId, stack } = synthesize();
    const reconciler = logicalId(stack.sending.reconcilerFunction);

    // Act
    const rules = Object.values(template.findResources('AWS::Events::Rule')).map((rule) => rule.Properties);
    const permissions = Object.values(template.findResources('AWS::Lambda::Permission')).filter((permission) => JSON.stringify(permission.Properties.FunctionName).includes(reconciler));

    // Assess
    expect(rules).toEqual([
      expect.objectContaining({
        ScheduleExpression: `rate(${reconcilerSettings.schedule.rateMinutes} minutes)`,
        State: 'ENABLED',
        Targets: [expect.objectContaining({ Arn: { 'Fn::GetAtt': [reconciler, 'Arn'] } })],
      }),
    ]);
    expect(permissions.map((permission) => permission.Properties.Principal)).toEqual(['events.amazonaws.com']);
  });
});

describe('sending: the send function', () => {
  it('serves POST /conversations/{id}/messages and POST /messages, and the WebSocket action send', () => {
    // Prepare
    const { template, logicalId, stack } = synthesize();
    const send = logicalId(stack.sending.sendFunction);

    // Act
    const methods = Object.values(template.findResources('AWS::ApiGateway::Method')).filter((method) => JSON.stringify(method).includes(send));
    const integration = Object.entries(template.findResources('AWS::ApiGatewayV2::Integration')).find(([, resource]) =>
      JSON.stringify(resource.Properties.IntegrationUri).includes(send),
    )?.[0];

    // Assess
    // The two send routes, and POST /media for a file to send.
    expect(methods.filter((method) => method.Properties.HttpMethod === 'POST')).toHaveLength(3);
    template.hasResourceProperties('AWS::ApiGateway::Resource', { PathPart: 'messages', ParentId: { 'Fn::GetAtt': [logicalId(stack.ingest.api), 'RootResourceId'] } });
    expect(integration).toBeDefined();
    template.hasResourceProperties('AWS::ApiGatewayV2::Route', { RouteKey: 'send', Target: { 'Fn::Join': ['', ['integrations/', { Ref: integration }]] } });
  });
});

describe('sending: storage and the key', () => {
  it('keeps the sending table on demand, recoverable, encrypted, expiring by expiresAt, and finds outbound messages through the outbox index', () => {
    // Prepare
    const { resource, stack } = synthesize();

    // Act
    const sending = resource(stack.storage.sendingTable).Properties;
    const messageIndexes = resource(stack.storage.messagesTable).Properties.GlobalSecondaryIndexes as { IndexName: string }[];

    // Assess
    expect(sending).toMatchObject({
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      SSESpecification: { SSEEnabled: true },
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
    });
    expect(messageIndexes).toContainEqual({
      IndexName: 'outbox',
      KeySchema: [
        { AttributeName: 'outboxpk', KeyType: 'HASH' },
        { AttributeName: 'outboxsk', KeyType: 'RANGE' },
      ],
      Projection: { ProjectionType: 'ALL' },
    });
  });

  it('generates the send key in Secrets Manager and outputs its ARN, never a secret value', () => {
    // Prepare
    const { template, resource, logicalId, stack } = synthesize();

    // Act
    const key = resource(stack.sending.sendKey).Properties;
    const outputs = JSON.stringify(template.findOutputs('*'));

    // Assess
    expect(key.GenerateSecretString).toEqual({ ExcludePunctuation: true, PasswordLength: 43 });
    // 43 letters and digits, as generated, are a key the credential box takes.
    expect(sendKeyOf('a1B2'.repeat(10).concat('c3D'))).toHaveLength(32);
    expect(key.SecretString).toBeUndefined();
    template.hasOutput('SendKeySecretArn', { Value: { Ref: logicalId(stack.sending.sendKey) } });
    expect(outputs).not.toMatch(/resolve:secretsmanager|SecretString/);
  });
});

describe('sending: grants', () => {
  /**
   * A function's declared grants, in the IAM actions each becomes: grantRead of a secret is two,
   * and reading the endpoints table takes its key (lib/constructs/grants.ts).
   */
  const declaredActions = (grants: readonly Grant[]): string[] =>
    grants.flatMap((grant) => {
      if ('table' in grant && grant.table === 'Endpoints') return [...grant.actions, 'kms:Decrypt', 'kms:DescribeKey'];
      if ('actions' in grant) return [...grant.actions];
      if ('secret' in grant) return ['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue'];
      if ('webSocketConnections' in grant) return ['execute-api:ManageConnections'];
      if ('topic' in grant) return ['sns:Publish', 'kms:Decrypt', 'kms:GenerateDataKey'];
      return [...grant.anyResource];
    });

  it.each([
    ['send', []],
    ['sender', mappingActions.flatMap((action) => sendQueueIds.map(() => action))],
    ['reconciler', []],
  ] as const)('gives the %s function exactly what its definition grants, and what its event sources need', (name, fromMappings) => {
    // Prepare
    const { grantedActions, stack } = synthesize();
    const fn = stack.functions[name];

    // Act
    const granted = grantedActions(fn.role!);

    // Assess
    expect(granted).toEqual([...declaredActions(grantsOf(name, 'sharedSecret')), ...fromMappings].sort());
  });

  it('lets only the sender, the reconciler and the media function (for WhatsApp and Twilio media) read the send key', () => {
    // Prepare
    const { stack, statementsOf, logicalId } = synthesize();
    const key = JSON.stringify({ Ref: logicalId(stack.sending.sendKey) });

    // Act
    const readers = Object.entries(stack.functions)
      .filter(([, fn]) => statementsOf(fn.role!).some((statement) => JSON.stringify(statement.Resource) === key))
      .map(([name]) => name);

    // Assess
    expect(readers.sort()).toEqual(['media', 'reconciler', 'sender']);
  });
});
