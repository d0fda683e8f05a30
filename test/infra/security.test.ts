import { CfnResource, Validations } from 'aws-cdk-lib';
import { Queue } from 'aws-cdk-lib/aws-sqs';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { describe, expect, it } from 'vitest';
import type { SwitchboardStackProps } from '../../lib/switchboard-stack.ts';
import { functionNames } from '../../lib/definitions/functions.ts';
import { tableDefinitions } from '../../lib/definitions/tables.ts';
import { synthesize } from '../helpers/synth.ts';

/** Issue 7's security checks, read off the synthesized template. */

const configurations: [string, SwitchboardStackProps][] = [
  ['the defaults', {}],
  ['a dev stack: no WAF, no provisioned concurrency', { floodGuard: false, ackProvisionedConcurrency: 0 }],
  [
    'an OIDC issuer, a custom domain and an alarm address',
    {
      oidc: { issuer: 'https://issuer.example.com/', jwksUrl: 'https://issuer.example.com/.well-known/jwks.json', audience: 'inbox-app-client' },
      customDomain: { domainName: 'hooks.example.com', certificateArn: 'arn:aws:acm:eu-west-1:123456789012:certificate/0a1b2c3d-4e5f' },
      alarmEmail: 'oncall@example.com',
    },
  ],
];

/** Synthesizes with cdk-nag's AwsSolutions pack, as bin/app.ts does; app.synth() throws the report when a finding is left. */
const nagged = (props: SwitchboardStackProps, addToStack?: (scope: IConstruct) => void) => {
  const synthesized = synthesize(props);
  addToStack?.(synthesized.stack);
  Validations.of(synthesized.app).addPlugins(new AwsSolutionsChecks(synthesized.app));
  return { ...synthesized, synth: () => synthesized.app.synth({ force: true }) };
};

/** Every policy document of the template, wherever it lives, with `Action` always a list. */
const policyStatements = (resources: Record<string, { Type: string; Properties?: Record<string, any> }>) =>
  Object.entries(resources).flatMap(([id, { Type, Properties }]) => {
    const documents = [
      Properties?.PolicyDocument,
      Properties?.KeyPolicy,
      ...(Properties?.Policies ?? []).map((policy: { PolicyDocument: unknown }) => policy.PolicyDocument),
    ].filter(Boolean) as { Statement: { Action: string | string[]; Resource?: unknown; Principal?: unknown; Effect: string }[] }[];
    return documents.flatMap((document) =>
      document.Statement.map((statement) => ({ id, Type, ...statement, Action: [statement.Action].flat() })),
    );
  });

describe('cdk-nag AwsSolutions', () => {
  it.each(configurations)('passes with %s', (_name, props) => {
    // Prepare
    const { synth } = nagged(props);

    // Act, Assess
    expect(synth).not.toThrow();
  });

  it('fails the synth on a finding nobody acknowledged, naming the rule and the resource', () => {
    // Prepare: a queue without SSL enforcement or a DLQ.
    const { synth } = nagged({}, (stack) => new Queue(stack as never, 'CarelessQueue'));

    // Act, Assess
    expect(synth).toThrow(/Switchboard\/CarelessQueue\/Resource[\s\S]*AwsSolutions-SQS4/);
  });

  it('acknowledges findings one resource at a time, each with a reason', () => {
    // Prepare
    const { app } = nagged({});

    // Act
    const acknowledged = app.node
      .findAll()
      .map((construct) => ({ construct, entries: construct.node.metadata.filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY) }))
      .filter(({ entries }) => entries.length > 0);

    // Assess
    expect(acknowledged.length).toBeGreaterThan(10);
    for (const { construct, entries } of acknowledged) {
      const isOneResource = construct instanceof CfnResource || construct.node.defaultChild instanceof CfnResource;
      expect(isOneResource, construct.node.path).toBe(true);
      for (const reason of entries.flatMap(({ data }) => Object.values(data as Record<string, string>))) {
        expect(reason.length, construct.node.path).toBeGreaterThan(30);
      }
    }
  });
});

describe('IAM', () => {
  it.each(configurations)('names every action it allows, in every policy, with %s', (_name, props) => {
    // Prepare
    const { resources } = synthesize(props);

    // Act
    const wildcards = policyStatements(resources)
      // The key policies' first statement is AWS's default: it hands the key to the account's IAM policies.
      .filter((statement) => !(statement.Type === 'AWS::KMS::Key' && JSON.stringify(statement.Principal).includes(':root')))
      // Deny statements may be broad: "no s3:* without TLS" is how SSL-only reads.
      .filter((statement) => statement.Effect === 'Allow' && statement.Action.some((action) => action.includes('*')));

    // Assess
    expect(wildcards).toEqual([]);
  });

  it('grants Resource "*" only to actions that have no resource level', () => {
    // Prepare
    const { resources } = synthesize();

    // Act
    const onEverything = policyStatements(resources)
      .filter((statement) => statement.Type === 'AWS::IAM::Policy' && statement.Resource === '*')
      .flatMap((statement) => statement.Action);

    // Assess
    expect([...new Set(onEverything)].sort()).toEqual([
      'cloudwatch:GetMetricData',
      'dynamodb:ListStreams',
      'xray:PutTelemetryRecords',
      'xray:PutTraceSegments',
    ]);
  });

  it('attaches no AWS managed policy to a function role, each of which writes to its own log group only', () => {
    // Prepare
    const { stack, resource, statementsOf, logicalId } = synthesize();
    const functions = [stack.ingest.ackFunction, stack.processing.processorFunction, stack.realtime.broadcasterFunction, stack.query.queryFunction];

    for (const fn of functions) {
      // Act
      const role = resource(fn.role!);
      const logs = statementsOf(fn.role!).filter((statement) => statement.Action.some((action) => action.startsWith('logs:')));

      // Assess
      expect(role.Properties.ManagedPolicyArns).toBeUndefined();
      expect(logs).toEqual([
        { Effect: 'Allow', Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Resource: { 'Fn::GetAtt': [logicalId(fn.node.scope!.node.findChild(`${fn.node.id}Logs`)), 'Arn'] } },
      ]);
    }
  });

  it('lets the ack and processor functions decrypt the endpoints table, and no other function', () => {
    // Prepare
    const { stack, statementsOf, logicalId } = synthesize();
    const key = { 'Fn::GetAtt': [logicalId(stack.storage.endpointsKey), 'Arn'] };
    const decrypts = (fn: IConstruct & { role?: IConstruct }) =>
      statementsOf(fn.role!).some((statement) => statement.Action.includes('kms:Decrypt') && JSON.stringify(statement.Resource) === JSON.stringify(key));

    // Act
    const readers = {
      ack: decrypts(stack.ingest.ackFunction),
      processor: decrypts(stack.processing.processorFunction),
      broadcaster: decrypts(stack.realtime.broadcasterFunction),
      query: decrypts(stack.query.queryFunction),
      connect: decrypts(stack.realtime.connectFunction),
    };

    // Assess
    expect(readers).toEqual({ ack: true, processor: true, broadcaster: false, query: false, connect: false });
  });
});

describe('encryption in transit and at rest', () => {
  it('encrypts every queue and refuses it over plain HTTP', () => {
    // Prepare
    const { template, resources } = synthesize();

    // Act
    const queues = Object.entries(template.findResources('AWS::SQS::Queue'));
    const sslOnly = (queueId: string) =>
      Object.values(template.findResources('AWS::SQS::QueuePolicy')).some(
        (policy) =>
          JSON.stringify(policy.Properties.Queues) === JSON.stringify([{ Ref: queueId }]) &&
          policy.Properties.PolicyDocument.Statement.some(
            (statement: { Effect: string; Condition?: unknown }) =>
              statement.Effect === 'Deny' && JSON.stringify(statement.Condition) === JSON.stringify({ Bool: { 'aws:SecureTransport': 'false' } }),
          ),
      );

    // Assess
    // Ingest, the broadcaster's failures, four send queues: each with its DLQ but the failure queue.
    expect(queues).toHaveLength(11);
    for (const [id] of queues) {
      expect(resources[id].Properties.SqsManagedSseEnabled, id).toBe(true);
      expect(sslOnly(id), id).toBe(true);
    }
  });

  it('keeps point-in-time recovery on every table and server-side encryption on every table and bucket', () => {
    // Prepare
    const { template } = synthesize();

    // Act
    const tables = Object.values(template.findResources('AWS::DynamoDB::Table')).map((table) => table.Properties);
    const buckets = Object.values(template.findResources('AWS::S3::Bucket')).map((bucket) => bucket.Properties);

    // Assess
    expect(tables).toHaveLength(tableDefinitions.length);
    for (const table of tables) {
      expect(table.PointInTimeRecoverySpecification).toEqual({ PointInTimeRecoveryEnabled: true });
      expect(table.SSESpecification.SSEEnabled).toBe(true);
    }
    expect(buckets).toHaveLength(2);
    for (const bucket of buckets) expect(bucket.BucketEncryption.ServerSideEncryptionConfiguration[0].ServerSideEncryptionByDefault.SSEAlgorithm).toBe('AES256');
  });

  it("logs the body bucket's access to a bucket of its own", () => {
    // Prepare
    const { resource, logicalId, stack } = synthesize();

    // Act
    const logging = resource(stack.storage.bodyBucket).Properties.LoggingConfiguration;

    // Assess
    expect(logging).toEqual({ DestinationBucketName: { Ref: logicalId(stack.storage.accessLogBucket) }, LogFilePrefix: 'body-bucket/' });
  });
});

describe('API logging and tracing', () => {
  it('logs REST errors (never bodies), and traces the REST API', () => {
    // Prepare
    const { resource, stack } = synthesize();

    // Act
    const stage = resource(stack.ingest.api.deploymentStage).Properties;

    // Assess
    expect(stage.TracingEnabled).toBe(true);
    expect(stage.MethodSettings).toEqual([
      expect.objectContaining({ HttpMethod: '*', ResourcePath: '/*', LoggingLevel: 'ERROR', DataTraceEnabled: false, MetricsEnabled: true }),
    ]);
  });

  it('logs each WebSocket connect, message and disconnect, without the query string that carries the token', () => {
    // Prepare
    const { resource, stack } = synthesize();

    // Act
    const { AccessLogSettings } = resource(stack.realtime.stage).Properties;
    const fields = JSON.parse(AccessLogSettings.Format) as Record<string, string>;

    // Assess
    expect(AccessLogSettings.DestinationArn).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^RealtimeAccessLogs/), 'Arn'] });
    expect(fields).toMatchObject({ eventType: '$context.eventType', routeKey: '$context.routeKey', connectionId: '$context.connectionId', status: '$context.status' });
    expect(AccessLogSettings.Format).not.toMatch(/querystring|requestOverride|authorizer/i);
  });

  it('keeps every log group as long as logRetentionDays says', () => {
    // Prepare
    const { template } = synthesize({ logRetentionDays: 90 });

    // Act
    const retentions = Object.values(template.findResources('AWS::Logs::LogGroup')).map((group) => group.Properties.RetentionInDays);

    // Assess
    // One per function, and each API's access log.
    expect(retentions).toHaveLength(functionNames.length + 2);
    expect(new Set(retentions)).toEqual(new Set([90]));
  });
});
