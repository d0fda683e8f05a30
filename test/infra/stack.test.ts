import { readFile } from 'node:fs/promises';
import { App } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { describe, expect, it } from 'vitest';
import {
  archiveRetentionDays,
  bodyRetentionDays,
  uploadRetentionDays,
  broadcastFilterPattern,
  broadcasterSettings,
  ingestQueueSettings,
  processorSettings,
} from '../../lib/definitions/pipeline.ts';
import { SwitchboardStack, type SwitchboardStackProps } from '../../lib/switchboard-stack.ts';
import { synthesize } from '../helpers/synth.ts';
import { functionNames, functionSizes, isStreamTrigger, onlyTriggerOf, type FunctionName } from '../../lib/definitions/functions.ts';

const dynamodbWrites = ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:BatchWriteItem'];

describe('ingest', () => {
  it('redrives a message to the DLQ after five receives, and keeps it invisible for six processor timeouts', () => {
    // Prepare
    const { template, logicalId, resource, stack } = synthesize();
    const { ingest, processing } = stack;

    // Act
    const queue = resource(ingest.queue).Properties;
    const processorTimeout = resource(processing.processorFunction).Properties.Timeout;

    // Assess
    expect(queue.RedrivePolicy).toEqual({
      deadLetterTargetArn: { 'Fn::GetAtt': [logicalId(ingest.deadLetterQueue), 'Arn'] },
      maxReceiveCount: 5,
    });
    expect(processorTimeout).toBe(processorSettings.timeoutSeconds);
    expect(queue.VisibilityTimeout).toBe(6 * processorTimeout);
    expect(queue.MaximumMessageSize).toBe(1_048_576);
    expect(queue.SqsManagedSseEnabled).toBe(true);
    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      Queues: [{ Ref: logicalId(ingest.queue) }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
  });

  it('encrypts the dead letter queue and keeps its messages as long as the definitions say', () => {
    // Prepare
    const { resource, stack } = synthesize();

    // Act
    const dlq = resource(stack.ingest.deadLetterQueue).Properties;

    // Assess
    expect(dlq).toMatchObject({ MessageRetentionPeriod: ingestQueueSettings.dlqRetentionPeriodSeconds, SqsManagedSseEnabled: true });
  });

  it('hands every body to Lambda as binary and routes POST /webhooks/{provider}/{endpointId} to the ack alias', () => {
    // Prepare
    const { template, logicalId, resource, stack } = synthesize();

    // Act
    const api = template.findResources('AWS::ApiGateway::RestApi');
    // The send routes are POSTs too, to the send function.
    const method = Object.fromEntries(
      Object.entries(template.findResources('AWS::ApiGateway::Method', { Properties: { HttpMethod: 'POST' } })).filter(([, post]) =>
        JSON.stringify(post.Properties.Integration.Uri).includes(logicalId(stack.ingest.ackAlias)),
      ),
    );
    const resourceId = (Object.values(method)[0]?.Properties.ResourceId as { Ref: string }).Ref;
    const leaf = template.toJSON().Resources[resourceId].Properties;

    // Assess
    expect(Object.values(api).map((r) => r.Properties.BinaryMediaTypes)).toEqual([['*/*']]);
    expect(Object.keys(method)).toHaveLength(1);
    expect(leaf.PathPart).toBe('{endpointId}');
    template.hasResourceProperties('AWS::ApiGateway::Method', {
      HttpMethod: 'POST',
      Integration: {
        Type: 'AWS_PROXY',
        Uri: { 'Fn::Join': ['', Match.arrayWith([{ Ref: logicalId(stack.ingest.ackAlias) }])] },
      },
    });
    expect(resource(stack.ingest.ackAlias).Properties.Name).toBe('live');
  });

  it('logs access in JSON with metrics and tracing on', () => {
    // Prepare
    const { template } = synthesize({ stageName: 'live' });

    // Act
    const stages = Object.values(template.findResources('AWS::ApiGateway::Stage'));

    // Assess
    expect(stages).toHaveLength(1);
    expect(stages[0]?.Properties).toMatchObject({
      StageName: 'live',
      TracingEnabled: true,
      AccessLogSetting: { DestinationArn: expect.anything(), Format: expect.stringContaining('"requestId"') },
      MethodSettings: [expect.objectContaining({ MetricsEnabled: true })],
    });
  });

  it.each([1, 3])('keeps %i ack instances warm on the alias', (count) => {
    // Prepare
    const props = { ackProvisionedConcurrency: count };

    // Act
    const { resource, stack } = synthesize(props);

    // Assess
    expect(resource(stack.ingest.ackAlias).Properties.ProvisionedConcurrencyConfig).toEqual({
      ProvisionedConcurrentExecutions: count,
    });
  });

  it('keeps one ack instance warm by default and none at 0', () => {
    // Prepare
    const byDefault = synthesize();

    // Act
    const off = synthesize({ ackProvisionedConcurrency: 0 });

    // Assess
    expect(byDefault.resource(byDefault.stack.ingest.ackAlias).Properties.ProvisionedConcurrencyConfig).toEqual({
      ProvisionedConcurrentExecutions: 1,
    });
    off.template.hasResourceProperties('AWS::Lambda::Alias', { Name: 'live', ProvisionedConcurrencyConfig: Match.absent() });
  });

  it('scales the warm ack instances between the configured bounds when more than 70% are busy', () => {
    // Prepare
    const { template, logicalId, stack } = synthesize({ ackProvisionedConcurrency: 2, ackMaxProvisionedConcurrency: 20 });

    // Act
    const targets = Object.values(template.findResources('AWS::ApplicationAutoScaling::ScalableTarget')).map((target) => target.Properties);
    const policies = Object.values(template.findResources('AWS::ApplicationAutoScaling::ScalingPolicy')).map((policy) => policy.Properties);

    // Assess
    expect(targets).toEqual([
      expect.objectContaining({
        MinCapacity: 2,
        MaxCapacity: 20,
        ServiceNamespace: 'lambda',
        ScalableDimension: 'lambda:function:ProvisionedConcurrency',
      }),
    ]);
    expect(JSON.stringify(targets[0]?.ResourceId)).toContain(JSON.stringify({ Ref: logicalId(stack.ingest.ackAlias) }));
    expect(policies).toEqual([
      expect.objectContaining({
        PolicyType: 'TargetTrackingScaling',
        TargetTrackingScalingPolicyConfiguration: expect.objectContaining({
          TargetValue: 0.7,
          PredefinedMetricSpecification: { PredefinedMetricType: 'LambdaProvisionedConcurrencyUtilization' },
        }),
      }),
    ]);
  });

  it('scales up to 10 warm ack instances by default, and scales nothing when provisioned concurrency is off', () => {
    // Prepare
    const byDefault = synthesize();

    // Act
    const off = synthesize({ ackProvisionedConcurrency: 0 });

    // Assess
    byDefault.template.hasResourceProperties('AWS::ApplicationAutoScaling::ScalableTarget', { MinCapacity: 1, MaxCapacity: 10 });
    off.template.resourceCountIs('AWS::ApplicationAutoScaling::ScalableTarget', 0);
    off.template.resourceCountIs('AWS::ApplicationAutoScaling::ScalingPolicy', 0);
  });

  it('serves the webhooks on a custom domain, which becomes the URL providers call, and says where DNS should point', () => {
    // Prepare
    const certificateArn = 'arn:aws:acm:eu-west-1:123456789012:certificate/0a1b2c3d-4e5f';

    // Act
    const { template, resource, logicalId, stack } = synthesize({ customDomain: { domainName: 'hooks.example.com', certificateArn } });

    // Assess
    template.hasResourceProperties('AWS::ApiGateway::DomainName', {
      DomainName: 'hooks.example.com',
      RegionalCertificateArn: certificateArn,
      EndpointConfiguration: { Types: ['REGIONAL'] },
      SecurityPolicy: 'TLS_1_2',
    });
    template.hasResourceProperties('AWS::ApiGateway::BasePathMapping', {
      RestApiId: { Ref: logicalId(stack.ingest.api) },
      Stage: { Ref: logicalId(stack.ingest.api.deploymentStage) },
    });
    expect(resource(stack.ingest.ackFunction).Properties.Environment.Variables.PUBLIC_BASE_URL).toBe('https://hooks.example.com');
    template.hasOutput('WebhookBaseUrl', { Value: 'https://hooks.example.com' });
    template.hasOutput('CustomDomainTarget', { Value: { 'Fn::GetAtt': [logicalId(stack.ingest.domainName!), 'RegionalDomainName'] } });
  });

  it('tells the ack function the URL providers call, built without a dependency on the stage', () => {
    // Prepare
    const { resource, logicalId, stack } = synthesize({ stageName: 'v1' });

    // Act
    const url = resource(stack.ingest.ackFunction).Properties.Environment.Variables.PUBLIC_BASE_URL;

    // Assess
    expect(url).toEqual({
      'Fn::Join': [
        '',
        ['https://', { Ref: logicalId(stack.ingest.api) }, '.execute-api.', { Ref: 'AWS::Region' }, '.', { Ref: 'AWS::URLSuffix' }, '/v1'],
      ],
    });
  });

  it('uses a configured public base URL for the function and the output', () => {
    // Prepare
    const publicBaseUrl = 'https://hooks.example.com/switchboard';

    // Act
    const { template, resource, stack } = synthesize({ publicBaseUrl });

    // Assess
    expect(resource(stack.ingest.ackFunction).Properties.Environment.Variables.PUBLIC_BASE_URL).toBe(publicBaseUrl);
    template.hasOutput('WebhookBaseUrl', { Value: publicBaseUrl });
  });
});

describe('processing', () => {
  it('consumes the ingest queue in batches, reporting failed records one by one', () => {
    // Prepare
    const { template, logicalId, stack } = synthesize();

    // Act
    const mappings = template.findResources('AWS::Lambda::EventSourceMapping', {
      Properties: { EventSourceArn: { 'Fn::GetAtt': [logicalId(stack.ingest.queue), 'Arn'] } },
    });

    // Assess
    expect(Object.values(mappings).map((mapping) => mapping.Properties)).toEqual([
      {
        EventSourceArn: { 'Fn::GetAtt': [logicalId(stack.ingest.queue), 'Arn'] },
        FunctionName: { Ref: logicalId(stack.processing.processorFunction) },
        BatchSize: processorSettings.batchSize,
        ScalingConfig: { MaximumConcurrency: processorSettings.maxConcurrency },
        FunctionResponseTypes: ['ReportBatchItemFailures'],
      },
    ]);
  });
});

describe('realtime', () => {
  it('pushes only messages and conversations from the stream, with capped retries, bisection and a failure queue', () => {
    // Prepare
    const { template, logicalId, stack } = synthesize();
    const { realtime, storage } = stack;

    // Act
    const mappings = Object.values(
      template.findResources('AWS::Lambda::EventSourceMapping', {
        Properties: { EventSourceArn: { 'Fn::GetAtt': [logicalId(storage.messagesTable), 'StreamArn'] }, FunctionName: { Ref: logicalId(realtime.broadcasterFunction) } },
      }),
    );
    const mapping = mappings[0]?.Properties;

    // Assess
    expect(mappings).toHaveLength(1);
    expect(JSON.parse(mapping.FilterCriteria.Filters[0].Pattern)).toEqual({
      dynamodb: { NewImage: { entity: { S: ['message', 'conversation'] } } },
    });
    expect(mapping.FilterCriteria.Filters).toHaveLength(1);
    expect(mapping).toMatchObject({
      FunctionName: { Ref: logicalId(realtime.broadcasterFunction) },
      StartingPosition: 'LATEST',
      BatchSize: broadcasterSettings.batchSize,
      BisectBatchOnFunctionError: true,
      MaximumRetryAttempts: 3,
      MaximumRecordAgeInSeconds: broadcasterSettings.maxRecordAgeSeconds,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [logicalId(realtime.broadcastFailureQueue), 'Arn'] } } },
    });
  });

  it('filters with the very pattern the local stream poller applies', () => {
    // Prepare
    const { template } = synthesize();

    // Act
    const patterns = Object.values(template.findResources('AWS::Lambda::EventSourceMapping'))
      .flatMap((mapping) => mapping.Properties.FilterCriteria?.Filters ?? [])
      .map((filter: { Pattern: string }) => JSON.parse(filter.Pattern));

    // Assess
    expect(patterns).toEqual([broadcastFilterPattern, onlyTriggerOf('media', isStreamTrigger).filter]);
  });

  it('hands the media function each message stored with media to fetch once, with capped retries, bisection and a failure queue', () => {
    // Prepare
    const { template, logicalId, stack } = synthesize();

    // Act
    const mappings = Object.values(template.findResources('AWS::Lambda::EventSourceMapping', { Properties: { FunctionName: { Ref: logicalId(stack.media.mediaFunction) } } }));
    const mapping = mappings[0]?.Properties;

    // Assess
    expect(mappings).toHaveLength(1);
    expect(JSON.parse(mapping.FilterCriteria.Filters[0].Pattern)).toEqual({ eventName: ['INSERT'], dynamodb: { NewImage: { entity: { S: ['message'] }, mediaPending: { BOOL: [true] } } } });
    expect(mapping).toMatchObject({
      EventSourceArn: { 'Fn::GetAtt': [logicalId(stack.storage.messagesTable), 'StreamArn'] },
      BisectBatchOnFunctionError: true,
      MaximumRetryAttempts: 3,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [logicalId(stack.realtime.broadcastFailureQueue), 'Arn'] } } },
    });
  });

  it('routes $connect and $disconnect to their functions on an auto-deployed stage', () => {
    // Prepare
    const { template, logicalId, stack } = synthesize({ stageName: 'v1' });
    const { realtime } = stack;
    const integrationFor = (fn: IConstruct) =>
      Object.entries(template.findResources('AWS::ApiGatewayV2::Integration')).find(([, integration]) =>
        JSON.stringify(integration.Properties.IntegrationUri).includes(logicalId(fn)),
      )?.[0];

    // Act
    const connect = integrationFor(realtime.connectFunction);
    const disconnect = integrationFor(realtime.disconnectFunction);

    // Assess
    expect(connect).toBeDefined();
    expect(disconnect).toBeDefined();
    template.hasResourceProperties('AWS::ApiGatewayV2::Route', {
      RouteKey: '$connect',
      Target: { 'Fn::Join': ['', ['integrations/', { Ref: connect }]] },
    });
    template.hasResourceProperties('AWS::ApiGatewayV2::Route', {
      RouteKey: '$disconnect',
      Target: { 'Fn::Join': ['', ['integrations/', { Ref: disconnect }]] },
    });
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', { StageName: 'v1', AutoDeploy: true });
  });
});

describe('storage', () => {
  it('streams new and old images of the messages table, expires by expiresAt and keeps point-in-time recovery', () => {
    // Prepare
    const { resource, stack } = synthesize();

    // Act
    const table = resource(stack.storage.messagesTable);

    // Assess
    expect(table.Properties).toMatchObject({
      BillingMode: 'PAY_PER_REQUEST',
      StreamSpecification: { StreamViewType: 'NEW_AND_OLD_IMAGES' },
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
    });
    expect(table.DeletionPolicy).toBe('Retain');
  });

  it('finds connections by tenant through the byTenant index', () => {
    // Prepare
    const { resource, stack } = synthesize();

    // Act
    const indexes = resource(stack.storage.connectionsTable).Properties.GlobalSecondaryIndexes;

    // Assess
    expect(indexes).toEqual([
      {
        IndexName: 'byTenant',
        KeySchema: [
          { AttributeName: 'tenantId', KeyType: 'HASH' },
          { AttributeName: 'connectionId', KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'ALL' },
      },
    ]);
  });

  it('encrypts the endpoints table, which holds provider secrets, with a rotating key of its own, and retains both', () => {
    // Prepare
    const { resource, logicalId, stack } = synthesize();

    // Act
    const table = resource(stack.storage.endpointsTable);
    const key = resource(stack.storage.endpointsKey);

    // Assess
    expect(table.Properties.SSESpecification).toEqual({
      SSEEnabled: true,
      SSEType: 'KMS',
      KMSMasterKeyId: { 'Fn::GetAtt': [logicalId(stack.storage.endpointsKey), 'Arn'] },
    });
    expect(key.Properties.EnableKeyRotation).toBe(true);
    expect(key.DeletionPolicy).toBe('Retain');
    expect(table.Properties.PointInTimeRecoverySpecification).toEqual({ PointInTimeRecoveryEnabled: true });
    expect(table.DeletionPolicy).toBe('Retain');
  });
});

describe('functions', () => {
  it('runs every function on Node.js 24, arm64, traced, with its own expiring log group', () => {
    // Prepare
    const { template } = synthesize();

    // Act
    const functions = Object.values(template.findResources('AWS::Lambda::Function')).map((fn) => fn.Properties);

    // Assess
    expect(functions).toHaveLength(functionNames.length);
    for (const fn of functions) {
      expect(fn).toMatchObject({
        Runtime: 'nodejs24.x',
        Architectures: ['arm64'],
        TracingConfig: { Mode: 'Active' },
        LoggingConfig: { LogGroup: { Ref: expect.any(String) } },
        Environment: { Variables: expect.objectContaining({ NODE_OPTIONS: '--enable-source-maps' }) },
      });
    }
    template.allResourcesProperties('AWS::Logs::LogGroup', { RetentionInDays: 30 });
  });

  it('sizes each function as the bench recommended it, from its measured worst case', async () => {
    // Prepare
    const { resource, stack } = synthesize();
    const functions = {
      ack: stack.ingest.ackFunction,
      processor: stack.processing.processorFunction,
      broadcaster: stack.realtime.broadcasterFunction,
      query: stack.query.queryFunction,
      connect: stack.realtime.connectFunction,
      socket: stack.realtime.socketFunction,
      disconnect: stack.realtime.disconnectFunction,
      health: stack.health.healthFunction,
      send: stack.sending.sendFunction,
      sender: stack.sending.senderFunction,
      reconciler: stack.sending.reconcilerFunction,
      media: stack.media.mediaFunction,
    } satisfies Record<FunctionName, IConstruct>;
    const bench = JSON.parse(await readFile(new URL('../../bench/results/2026-11-23-footprint.json', import.meta.url), 'utf8'));

    // Act
    const deployed = Object.fromEntries(
      Object.entries(functions).map(([name, fn]) => [name, { memoryMb: resource(fn).Properties.MemorySize, timeoutSeconds: resource(fn).Properties.Timeout }]),
    );
    const recommended = Object.fromEntries(
      (bench.measurements.footprint.functions as { name: string; recommendation: { memoryMb: number; timeoutSeconds: number } }[]).map(
        ({ name, recommendation }) => [name, { memoryMb: recommendation.memoryMb, timeoutSeconds: recommendation.timeoutSeconds }],
      ),
    );

    // Assess
    expect(deployed).toEqual(functionSizes);
    expect(recommended).toEqual(functionSizes);
  });

  it('gives each function the variables its handler reads', () => {
    // Prepare
    const { resource, stack } = synthesize();
    const { ingest, processing, realtime, health } = stack;
    const variablesOf = (fn: IConstruct) => Object.keys(resource(fn).Properties.Environment.Variables);

    // Act
    const variables = {
      ack: variablesOf(ingest.ackFunction),
      processor: variablesOf(processing.processorFunction),
      connect: variablesOf(realtime.connectFunction),
      disconnect: variablesOf(realtime.disconnectFunction),
      broadcaster: variablesOf(realtime.broadcasterFunction),
      health: variablesOf(health.healthFunction),
    };

    // Assess
    expect(variables.ack).toEqual(expect.arrayContaining(['ENDPOINTS_TABLE', 'INGEST_QUEUE_URL', 'PUBLIC_BASE_URL']));
    expect(variables.processor).toContain('MESSAGES_TABLE');
    expect(variables.connect).toEqual(expect.arrayContaining(['CONNECTIONS_TABLE', 'JWT_SECRET_ARN']));
    expect(variables.disconnect).toContain('CONNECTIONS_TABLE');
    expect(variables.broadcaster).toEqual(expect.arrayContaining(['CONNECTIONS_TABLE', 'WEBSOCKET_MANAGEMENT_ENDPOINT']));
    expect(variables.health).toEqual(expect.arrayContaining(['INGEST_QUEUE_URL', 'DEAD_LETTER_QUEUE_URL']));
  });
});

describe('permissions', () => {
  it('lets the ack function send to the ingest queue, read endpoints by key, claim nonces and count in the stats table, and write nothing else', () => {
    // Prepare
    const { logicalId, statementsOf, stack } = synthesize();
    const { ingest, storage } = stack;

    // Act
    const statements = statementsOf(ingest.ackFunction.role!);

    // Assess
    expect(statements).toContainEqual(
      expect.objectContaining({
        Effect: 'Allow',
        Action: expect.arrayContaining(['sqs:SendMessage']),
        Resource: { 'Fn::GetAtt': [logicalId(ingest.queue), 'Arn'] },
      }),
    );
    expect(statements).toContainEqual(
      expect.objectContaining({
        Action: ['dynamodb:GetItem'],
        Resource: [{ 'Fn::GetAtt': [logicalId(storage.endpointsTable), 'Arn'] }],
      }),
    );
    expect(statements).toContainEqual(
      expect.objectContaining({
        Action: ['dynamodb:PutItem', 'dynamodb:DeleteItem'],
        Resource: [{ 'Fn::GetAtt': [logicalId(storage.noncesTable), 'Arn'] }],
      }),
    );
    const writes = statements.filter((statement) => [statement.Action].flat().some((action) => dynamodbWrites.includes(action)));
    // Each request to a known endpoint: its attempt and its hour's counts, in the stats table (and, by CDK's grant, its index).
    expect(statements).toContainEqual(
      expect.objectContaining({
        Action: ['dynamodb:PutItem', 'dynamodb:UpdateItem'],
        Resource: [{ 'Fn::GetAtt': [logicalId(storage.tables.Stats), 'Arn'] }, { 'Fn::Join': ['', [{ 'Fn::GetAtt': [logicalId(storage.tables.Stats), 'Arn'] }, '/index/*']] }],
      }),
    );
    expect(writes.map((statement) => statement.Resource)).toEqual([
      [{ 'Fn::GetAtt': [logicalId(storage.noncesTable), 'Arn'] }],
      [{ 'Fn::GetAtt': [logicalId(storage.tables.Stats), 'Arn'] }, { 'Fn::Join': ['', [{ 'Fn::GetAtt': [logicalId(storage.tables.Stats), 'Arn'] }, '/index/*']] }],
    ]);
    expect(JSON.stringify(statements)).not.toContain(logicalId(storage.messagesTable));
  });

  it('lets the processor read items by key, query, put, update and delete in the messages table, and never scan or batch-write it', () => {
    // Prepare
    const { logicalId, statementsOf, stack } = synthesize();
    const table = logicalId(stack.storage.messagesTable);

    // Act
    const onMessages = statementsOf(stack.processing.processorFunction.role!).filter((statement) => JSON.stringify(statement.Resource).includes(table));

    // Assess
    expect(onMessages).toEqual([
      {
        Effect: 'Allow',
        Action: ['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'],
        Resource: [{ 'Fn::GetAtt': [table, 'Arn'] }, { 'Fn::Join': ['', [{ 'Fn::GetAtt': [table, 'Arn'] }, '/index/*']] }],
      },
    ]);
    const actions = onMessages.flatMap((statement) => statement.Action);
    for (const never of ['dynamodb:Scan', 'dynamodb:BatchWriteItem', 'dynamodb:BatchGetItem', 'dynamodb:*']) expect(actions).not.toContain(never);
  });

  it('lets the processor put off a failed record on the ingest queue, which it is told the URL of', () => {
    // Prepare
    const { logicalId, resource, statementsOf, stack } = synthesize();

    // Act
    const statements = statementsOf(stack.processing.processorFunction.role!);
    const variables = resource(stack.processing.processorFunction).Properties.Environment.Variables;

    // Assess
    expect(statements).toContainEqual(
      expect.objectContaining({
        Effect: 'Allow',
        Action: expect.arrayContaining(['sqs:ChangeMessageVisibility']),
        Resource: { 'Fn::GetAtt': [logicalId(stack.ingest.queue), 'Arn'] },
      }),
    );
    expect(variables.INGEST_QUEUE_URL).toEqual({ Ref: logicalId(stack.ingest.queue) });
  });

  it('lets the broadcaster post to and drop connections of its own stage only', () => {
    // Prepare
    const { logicalId, statementsOf, stack } = synthesize({ stageName: 'v1' });

    // Act
    const statements = statementsOf(stack.realtime.broadcasterFunction.role!);
    const manage = statements.find((statement) => statement.Action.includes('execute-api:ManageConnections'));

    // Assess
    expect(manage?.Effect).toBe('Allow');
    expect(JSON.stringify(manage?.Resource)).toContain(JSON.stringify({ Ref: logicalId(stack.realtime.webSocketApi) }));
    expect(JSON.stringify(manage?.Resource)).toContain('/v1/*/@connections/*');
  });

  it('lets $connect read the token secret', () => {
    // Prepare
    const { logicalId, statementsOf, stack } = synthesize();

    // Act
    const statements = statementsOf(stack.realtime.connectFunction.role!);

    // Assess
    expect(statements).toContainEqual(
      expect.objectContaining({
        Action: expect.arrayContaining(['secretsmanager:GetSecretValue']),
        Resource: { Ref: logicalId(stack.realtime.jwtSecret) },
      }),
    );
  });
});

describe('health', () => {
  it('serves GET /health from a function that may read both queues\' attributes and the queue age metric, and nothing else', () => {
    // Prepare
    const { template, logicalId, stack, statementsOf, grantedActions } = synthesize();
    const { health, ingest } = stack;

    // Act
    const statements = statementsOf(health.healthFunction.role!);
    const routes = template.findResources('AWS::ApiGateway::Method', { Properties: { HttpMethod: 'GET' } });
    const healthRoutes = Object.values(routes).filter((route) => JSON.stringify(route).includes(logicalId(health.healthFunction)));

    // Assess
    expect(healthRoutes).toHaveLength(1);
    template.hasResourceProperties('AWS::ApiGateway::Resource', { PathPart: 'health' });
    expect(grantedActions(health.healthFunction.role!)).toEqual(['cloudwatch:GetMetricData', 'sqs:GetQueueAttributes', 'sqs:GetQueueAttributes']);
    const sqsResources = statements.filter((statement) => statement.Action.includes('sqs:GetQueueAttributes')).map((statement) => statement.Resource);
    expect(sqsResources).toEqual(
      expect.arrayContaining([
        { 'Fn::GetAtt': [logicalId(ingest.queue), 'Arn'] },
        { 'Fn::GetAtt': [logicalId(ingest.deadLetterQueue), 'Arn'] },
      ]),
    );
  });
});

describe('stack', () => {
  it('keeps large bodies, the request archive, kept media and uploads in a private, encrypted bucket, each prefix writable only by its own function', () => {
    const { template, logicalId, stack, statementsOf } = synthesize();
    const bucket = logicalId(stack.storage.bodyBucket);
    /** Each grant on the bucket as one action on the objects under one prefix. */
    const s3Actions = (role: IConstruct) =>
      statementsOf(role)
        .filter((statement) => JSON.stringify(statement.Resource).includes(bucket))
        .map((statement) => ({
          action: statement.Action.join(),
          prefix: statement.Resource && JSON.stringify(statement.Resource).match(/"\/([a-z]+\/\*)"/)?.[1],
        }))
        .sort((a, b) => a.action.localeCompare(b.action));

    template.hasResourceProperties('AWS::S3::Bucket', {
      BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
      PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
      LifecycleConfiguration: {
        Rules: [
          { Prefix: 'bodies/', ExpirationInDays: bodyRetentionDays, Status: 'Enabled' },
          { Prefix: 'archive/', ExpirationInDays: archiveRetentionDays, Status: 'Enabled' },
          { Prefix: 'uploads/', ExpirationInDays: uploadRetentionDays, Status: 'Enabled' },
        ],
      },
    });
    expect(s3Actions(stack.ingest.ackFunction.role!)).toEqual([{ action: 's3:PutObject', prefix: 'bodies/*' }]);
    expect(s3Actions(stack.processing.processorFunction.role!)).toEqual([
      { action: 's3:GetObject', prefix: 'bodies/*' },
      { action: 's3:PutObject', prefix: 'archive/*' },
    ]);
    expect(s3Actions(stack.realtime.broadcasterFunction.role!)).toEqual([]);
    // Kept media: written by the media function (which reads an email's attachments from its archived request), read only through the query function's signed links.
    expect(s3Actions(stack.media.mediaFunction.role!)).toEqual([
      { action: 's3:GetObject', prefix: 'archive/*' },
      { action: 's3:GetObject', prefix: 'bodies/*' },
      { action: 's3:PutObject', prefix: 'media/*' },
    ]);
    expect(s3Actions(stack.query.queryFunction.role!)).toEqual([
      { action: 's3:GetObject', prefix: 'media/*' },
      { action: 's3:GetObject', prefix: 'uploads/*' },
    ]);
    // Agents' uploads: the send function signs their PUT and checks them, the sender reads them.
    expect(s3Actions(stack.sending.sendFunction.role!)).toEqual([{ action: 's3:PutObject,s3:GetObject', prefix: 'uploads/*' }]);
    expect(s3Actions(stack.sending.senderFunction.role!)).toEqual([{ action: 's3:GetObject', prefix: 'uploads/*' }]);
  });

  it('publishes the outputs the CLI reads', () => {
    // Prepare
    const names = [
      'WebhookBaseUrl',
      'WebSocketUrl',
      'EndpointsTableName',
      'MessagesTableName',
      'ConnectionsTableName',
      'IngestQueueUrl',
      'DeadLetterQueueUrl',
      'BodyBucketName',
      'JwtSecretArn',
      'TokenMaxLifetimeSeconds',
      'EndpointsKeyArn',
      'SendingTableName',
      'SendSmsQueueUrl',
      'SendSmsDeadLetterQueueUrl',
      'SendWhatsappQueueUrl',
      'SendWhatsappDeadLetterQueueUrl',
      'SendMessengerQueueUrl',
      'SendMessengerDeadLetterQueueUrl',
      'SendEmailQueueUrl',
      'SendEmailDeadLetterQueueUrl',
      'SendKeySecretArn',
    ];

    // Act
    const { template } = synthesize();

    // Assess
    expect(Object.keys(template.findOutputs('*')).sort()).toEqual([...names].sort());
  });

  it.each([
    [{ ackProvisionedConcurrency: -1 }, /ackProvisionedConcurrency must be a whole number, 0 or more.*got -1/],
    [{ ackProvisionedConcurrency: 1.5 }, /ackProvisionedConcurrency.*got 1\.5/],
    [{ ackProvisionedConcurrency: Number.NaN }, /ackProvisionedConcurrency.*got NaN/],
    [{ publicBaseUrl: 'http://hooks.example.com' }, /publicBaseUrl must be an https:\/\/ URL/],
    [{ publicBaseUrl: 'hooks.example.com' }, /publicBaseUrl must be an https:\/\/ URL/],
    [{ publicBaseUrl: 'https://hooks.example.com/' }, /publicBaseUrl must not end with '\/'/],
    [{ stageName: 'prod/v1' }, /stageName \(context stage\) must be/],
    [{ ackProvisionedConcurrency: 5, ackMaxProvisionedConcurrency: 4 }, /ackMaxProvisionedConcurrency must be .* no smaller than ackProvisionedConcurrency \(5\), got 4/],
    [{ floodGuard: { requestsPerIpPer5Minutes: 5 } }, /requestsPerIpPer5Minutes \(context wafRateLimit\) must be a whole number from 10/],
    [{ logRetentionDays: 45 }, /logRetentionDays must be one of CloudWatch's retention periods \(1, 3, 5, 7, 14, 30, 60, 90,.*got 45/],
    [{ archiveRetentionDays: 0 }, /archiveRetentionDays must be a whole number of days, 1 or more, got 0/],
    [{ alarmEmail: 'oncall' }, /alarmEmail must be an email address, got "oncall"/],
    [{ providerApiBaseUrls: { twilioApiBaseUrl: 'http://127.0.0.1:4010' } }, /providerApiBaseUrls.twilioApiBaseUrl \(context twilioApiBaseUrl\) must be an https:\/\/ URL/],
    [{ providerApiBaseUrls: { graphApiBaseUrl: 'https://graph.example.com/' } }, /providerApiBaseUrls.graphApiBaseUrl \(context graphApiBaseUrl\) must be an https:\/\/ URL without a trailing/],
    [{ reservedConcurrency: { send: 0 } }, /reservedConcurrency.send \(context sendConcurrency\) must be a whole number, 1 or more/],
    [{ customDomain: { domainName: 'Hooks.Example.com', certificateArn: 'arn:aws:acm:eu-west-1:123456789012:certificate/ab-12' } }, /customDomain.domainName \(context domainName\) must be a lower-case host name/],
    [{ customDomain: { domainName: 'hooks.example.com', certificateArn: 'arn:aws:iam::123456789012:server-certificate/x' } }, /customDomain.certificateArn \(context certificateArn\) must be an ACM certificate ARN/],
    [
      { publicBaseUrl: 'https://proxy.example.com', customDomain: { domainName: 'hooks.example.com', certificateArn: 'arn:aws:acm:eu-west-1:123456789012:certificate/ab-12' } },
      /set publicBaseUrl or customDomain \(context domainName\), not both/,
    ],
  ] satisfies [SwitchboardStackProps, RegExp][])('refuses %o with a readable error', (props, message) => {
    // Prepare
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });

    // Act
    const build = () => new SwitchboardStack(app, 'Switchboard', props);

    // Assess
    expect(build).toThrow(message);
  });

});
