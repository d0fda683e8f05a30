import { DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { APIGatewayProxyResult } from 'aws-lambda';
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { SNSClient } from '@aws-sdk/client-sns';
import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { randomBytes } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sendKeyOf } from '../../functions/adapters/credential-box.ts';
import { createEndpointStore } from '../../functions/adapters/endpoint-store.ts';
import { sendRecordOf } from '../../functions/adapters/send-queue.ts';
import type { Alert } from '../../functions/core/alerts.ts';
import { envelopeOf } from '../../functions/core/envelope.ts';
import { configOf } from '../../functions/shared/config.ts';
import { ingestQueueSettings } from '../definitions/pipeline.ts';
import { providerApiBaseUrls, resolveSettings, settingValuesOf, type ProviderApiBaseUrls } from '../config.ts';
import { environmentOf, type ResourceValues } from '../definitions/environment.ts';
import {
  functionDefinitions,
  functionNames,
  isHttpTrigger,
  isQueueTrigger,
  isScheduleTrigger,
  isStreamTrigger,
  isWebSocketTrigger,
  triggersOf,
  type FunctionName,
  type SecretId,
  type TopicId,
} from '../definitions/functions.ts';
import { loopbackHost } from './address.ts';
import { startAlertListener } from './alerts.ts';
import { localCredentials, localRegion } from './aws.ts';
import { startCloudWatchStandIn } from './cloudwatch-standin.ts';
import { startDynamoDbLocal } from './dynamodb.ts';
import { startFauxqsOn } from './fauxqs.ts';
import { startHttpGateway, type HttpRoute } from './http-gateway.ts';
import { startProviderApis } from './provider-apis.ts';
import { createAlertsTopic, createQueues, createTables, type QueueUrls, type TableNames } from './resources.ts';
import { startSchedulePoller } from './schedule-poller.ts';
import { startSqsPoller } from './sqs-poller.ts';
import { startStreamPoller } from './stream-poller.ts';
import { AccessDenied, connectionsRefusal, functionAccessKeyId, localSigningCredentials, startAccessGuardsThread, type GuardedEndpoints } from './access-guard.ts';
import { startSecretsStandIn } from './secrets-standin.ts';
import { startWebSocketGateway } from './websocket-gateway.ts';
import { WorkerFunction } from './worker-function.ts';

export interface LocalStackOptions {
  /** The address every listener binds to; loopback when absent, so that nothing is reachable from the network. */
  readonly host?: string;
  readonly httpPort: number;
  readonly wsPort: number;
  readonly dynamodbPort: number;
  /**
   * A DynamoDB that is already running (DynamoDB Local in Docker, or a fault-injecting proxy
   * in front of one), used instead of starting DynamoDB Local on `dynamodbPort`.
   */
  readonly dynamodbEndpoint?: string;
  readonly sqsPort: number;
  /** Keep tables and queues on disk here; in memory when absent. */
  readonly dataDir?: string;
  /** The URL providers call, when it is not the local HTTP URL (a tunnel, say). */
  readonly publicBaseUrl?: string;
  /** The token signing secret; a random one per run when absent. */
  readonly jwtSecret?: string;
  /** Shortens redelivery of every consumed queue (ingest, the send queues) for tests; the deployed value otherwise. */
  readonly visibilityTimeoutSeconds?: number;
  /** Runs each scheduled function (the reconciler) this often, for tests; every `rateMinutes` of its definition otherwise. */
  readonly scheduleIntervalMs?: number;
  /**
   * Where the sender and the reconciler call the providers' send APIs. Only to reach real ones
   * (or a stand-in of a test's own) on purpose.
   *
   * Those not named are the stack's own stand-ins.
   *
   * @default - the stack's own stand-ins for every provider's send API on loopback (provider-apis.ts)
   */
  readonly providerApiBaseUrls?: Partial<ProviderApiBaseUrls>;
  onError(source: string, error: unknown): void;
  /** Each alert a function publishes to the alarm topic (an endpoint's signature failures), as it arrives. */
  onAlert?(alert: Alert): void;
}

/** What a running local stack offers; the CLI reads it from the state file. */
export interface LocalStackDescription {
  readonly httpUrl: string;
  readonly wsUrl: string;
  readonly publicBaseUrl: string;
  readonly dynamodbEndpoint: string;
  readonly sqsEndpoint: string;
  /** The stand-in for the CloudWatch metric the health check reads. */
  readonly cloudwatchEndpoint: string;
  readonly region: string;
  readonly tables: TableNames;
  readonly queues: QueueUrls;
  /** Topic ARNs, in fauxqs's SNS (same endpoint as SQS): the alarm topic, which the stack reads and prints. */
  readonly topics: Readonly<Record<TopicId, string>>;
  /** The bucket for bodies too large to queue, in fauxqs's S3 (same endpoint as SQS). */
  readonly bodyBucket: string;
  /** The token signing secret, which the CLI signs tokens with. */
  readonly jwtSecret: string;
  /** The stand-in for Secrets Manager, which holds jwtSecret for the functions, as deployed. */
  readonly secretsEndpoint: string;
  readonly jwtSecretArn: string;
  /** The key send credentials are encrypted with, which `switchboard endpoint credentials` encrypts with too. */
  readonly sendKey: string;
  /** The same key in the Secrets Manager stand-in, for the sender and the reconciler, as deployed. */
  readonly sendKeyArn: string;
  /** Where the sender and the reconciler reach each provider's send API. */
  readonly providerApiBaseUrls: ProviderApiBaseUrls;
  /** What an operator points an endpoint at to use the stack's own stand-ins, when it runs them. */
  readonly standIns?: {
    /** A gateway of one's own (`--sms-webhook-url`) that takes signed message.send webhooks. */
    readonly smsWebhookGatewayUrl: string;
    /** The public key the SendGrid stand-in signs its Event Webhook with: an endpoint's secret. */
    readonly sendgridVerificationKey: string;
  };
  /** Each scheduled function, and how often the local stack runs it. */
  readonly schedules: readonly { readonly functionName: FunctionName; readonly intervalMs: number }[];
  /** The processor's backoff is capped at the ingest queue's visibility timeout, which a test may shorten. */
  readonly ingestVisibilityTimeoutSeconds: number;
  /** The functions' endpoints: the access guards in front of the stand-ins (access-guard.ts). */
  readonly functionEndpoints: GuardedEndpoints;
}

const namePrefix = 'switchboard-';
/** The inbox page's files, served at / (see inbox/). */
const inboxDir = fileURLToPath(new URL('../../inbox/', import.meta.url));

/**
 * What Lambda's runtime gives every function besides its own variables, pointed at the local
 * stand-ins through the SDK's standard AWS_ENDPOINT_URL_* variables. A developer's profile is
 * not passed on: nothing may lead the SDK to real credentials or a real account.
 */
const runtimeEnvironment = (name: FunctionName, stack: LocalStackDescription): Record<string, string> => ({
  AWS_REGION: stack.region,
  AWS_DEFAULT_REGION: stack.region,
  // Its own key, so that the access guards hold it to its grants, as IAM holds its role.
  AWS_ACCESS_KEY_ID: functionAccessKeyId(name),
  AWS_SECRET_ACCESS_KEY: localCredentials.secretAccessKey,
  AWS_ENDPOINT_URL_DYNAMODB: stack.functionEndpoints.dynamodb,
  AWS_ENDPOINT_URL_SQS: stack.functionEndpoints.sqs,
  AWS_ENDPOINT_URL_S3: stack.functionEndpoints.sqs,
  // fauxqs serves SNS too, behind the same guard.
  AWS_ENDPOINT_URL_SNS: stack.functionEndpoints.sqs,
  AWS_ENDPOINT_URL_CLOUDWATCH: stack.functionEndpoints.cloudwatch,
  AWS_ENDPOINT_URL_SECRETS_MANAGER: stack.functionEndpoints.secretsManager,
  AWS_LAMBDA_FUNCTION_NAME: name,
  AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(functionDefinitions[name].memoryMb),
  AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
  TZ: ':UTC',
  // Locally the terminal is the log: warnings and errors only, and no EMF metric blobs, unless asked for.
  POWERTOOLS_LOG_LEVEL: process.env.POWERTOOLS_LOG_LEVEL ?? 'WARN',
  POWERTOOLS_METRICS_DISABLED: process.env.POWERTOOLS_METRICS_DISABLED ?? 'true',
  ...(process.env.POWERTOOLS_DEV && { POWERTOOLS_DEV: process.env.POWERTOOLS_DEV }),
});

/** Locally the stack signs its own tokens: there is no OIDC issuer to ask. */
const localTokenMode = 'sharedSecret';

/** What the definitions' variables resolve to locally: the stand-ins' names and URLs, and the default settings. */
const localValues = (stack: LocalStackDescription): ResourceValues => ({
  tables: stack.tables,
  // The SDK sends to a queue URL's own host: the functions' queue URLs point at their access guard.
  queues: Object.fromEntries(Object.entries(stack.queues).map(([queue, url]) => [queue, new URL(new URL(url).pathname, stack.functionEndpoints.sqs).toString()])),
  buckets: { bodies: stack.bodyBucket },
  secrets: { jwt: stack.jwtSecretArn, sendKey: stack.sendKeyArn },
  topics: stack.topics,
  urls: { webhookBase: stack.publicBaseUrl, webSocketManagement: stack.wsUrl.replace(/^ws/, 'http') },
  settings: settingValuesOf(resolveSettings({}).settings, { ingestVisibilityTimeoutSeconds: stack.ingestVisibilityTimeoutSeconds, ...stack.providerApiBaseUrls }),
  tokenMode: localTokenMode,
});

/**
 * The whole environment of one function of the local stack: exactly what its definition
 * declares (lib/definitions/functions.ts), as on AWS, and the runtime's own variables.
 */
export const localEnvironmentOf = (name: FunctionName, stack: LocalStackDescription): Record<string, string> => ({
  ...runtimeEnvironment(name, stack),
  ...environmentOf(name, localValues(stack)),
});

/** Each function in its own worker, with its own environment; none is started yet. */
export const localFunctions = (stack: LocalStackDescription): Record<FunctionName, WorkerFunction> =>
  Object.fromEntries(functionNames.map((name) => [name, new WorkerFunction(name, localEnvironmentOf(name, stack))])) as Record<FunctionName, WorkerFunction>;

/** The local processes that stand in for Lambda's SQS pollers, at most this many batches at once each. */
const localPollerConcurrency = 2;

/**
 * What invokes each function locally, derived from the definitions as the CDK stack derives
 * its routes and event source mappings: the gateways' routes and the pollers' settings.
 */
export const localTriggers = () => ({
  http: triggersOf(isHttpTrigger).map(({ functionName, trigger }) => ({ method: trigger.http.method, resource: trigger.http.path, functionName })),
  webSocket: triggersOf(isWebSocketTrigger).map(({ functionName, trigger }) => ({ routeKey: trigger.webSocket, functionName })),
  queues: triggersOf(isQueueTrigger).map(({ functionName, trigger }) => ({
    functionName,
    queue: trigger.queue,
    batchSize: trigger.batchSize,
    maxBatchingWindowSeconds: trigger.maxBatchingWindowSeconds,
    concurrency: Math.min(localPollerConcurrency, trigger.maxConcurrency),
  })),
  streams: triggersOf(isStreamTrigger).map(({ functionName, trigger }) => ({
    functionName,
    table: trigger.stream,
    filter: trigger.filter,
    batchSize: trigger.batchSize,
    retryAttempts: trigger.retryAttempts,
  })),
  schedules: triggersOf(isScheduleTrigger).map(({ functionName, trigger }) => ({ functionName, rateMinutes: trigger.schedule.rateMinutes })),
});

/**
 * The whole pipeline on 127.0.0.1 (or `host`), every listener on that address only, derived
 * from the function definitions (lib/definitions/functions.ts) and running the deployed
 * handler modules, each in a worker thread of its own (worker-function.ts): DynamoDB Local,
 * fauxqs and two small stand-ins for DynamoDB, SQS, S3, CloudWatch and Secrets Manager, two
 * gateways for API Gateway's routes, and pollers for Lambda's event source mappings. Handlers
 * find the stand-ins through the standard AWS_ENDPOINT_URL_* variables and read their
 * configuration from their own environment, as on Lambda.
 */
export const startLocalStack = async (options: LocalStackOptions) => {
  const host = options.host ?? loopbackHost;
  const stops: (() => Promise<void>)[] = [];
  const stop = async () => {
    for (const stopOne of stops.reverse()) await stopOne().catch((error: unknown) => options.onError('shutdown', error));
  };

  try {
    const startDynamoDb = async () => {
      if (options.dataDir) await mkdir(join(options.dataDir, 'dynamodb'), { recursive: true });
      return startDynamoDbLocal({ port: options.dynamodbPort, host, ...(options.dataDir && { dataDir: join(options.dataDir, 'dynamodb') }) });
    };
    const dynamo = options.dynamodbEndpoint ? { endpoint: options.dynamodbEndpoint, stop: async () => undefined } : await startDynamoDb();
    stops.push(dynamo.stop);
    const fauxqs = await startFauxqsOn(host, { port: options.sqsPort, logger: false, ...(options.dataDir && { dataDir: join(options.dataDir, 'sqs') }) });
    stops.push(() => fauxqs.stop());
    const cloudwatch = await startCloudWatchStandIn({ queues: fauxqs, host });
    stops.push(cloudwatch.stop);

    const clientConfig = { region: localRegion, credentials: localCredentials };
    const dynamodb = new DynamoDBClient({ ...clientConfig, endpoint: dynamo.endpoint });
    const streams = new DynamoDBStreamsClient({ ...clientConfig, endpoint: dynamo.endpoint });
    const sqs = new SQSClient({ ...clientConfig, endpoint: fauxqs.address });
    const sns = new SNSClient({ ...clientConfig, endpoint: fauxqs.address });
    const tables = await createTables(dynamodb, namePrefix);
    const bodyBucket = `${namePrefix}bodies`;
    fauxqs.createBucket(bodyBucket);
    const queues = await createQueues(sqs, {
      prefix: namePrefix,
      endpoint: fauxqs.address,
      ...(options.visibilityTimeoutSeconds !== undefined && { visibilityTimeoutSeconds: options.visibilityTimeoutSeconds }),
    });
    const alertsTopic = await createAlertsTopic({ sns, sqs }, { prefix: namePrefix, endpoint: fauxqs.address });
    const topics = { alerts: alertsTopic.topicArn };
    const alertListener = startAlertListener({
      client: sqs,
      topic: alertsTopic,
      onAlert: (alert) => options.onAlert?.(alert),
      onError: (error) => options.onError('alerts', error),
    });
    stops.push(alertListener.stop);

    const secretValues: Record<SecretId, string> = {
      jwt: options.jwtSecret ?? randomBytes(32).toString('base64url'),
      // A fresh key per run, as the jwt secret: credentials set in an earlier run of a --data-dir must be set again.
      sendKey: randomBytes(32).toString('base64'),
    };
    const secrets = await startSecretsStandIn({
      host,
      secrets: Object.fromEntries(Object.entries(secretValues).map(([id, value]) => [`${namePrefix}${id}`, value])),
    });
    stops.push(secrets.stop);
    const secretArns = Object.fromEntries(Object.keys(secretValues).map((id) => [id, secrets.arnOf(`${namePrefix}${id}`)])) as Record<SecretId, string>;

    // The gateways listen before the functions start, because the functions' configuration
    // holds the gateways' URLs; nothing is announced until both are ready.
    const triggers = localTriggers();
    const functions: Partial<Record<FunctionName, WorkerFunction>> = {};
    const handlerOf = (name: FunctionName): HttpRoute['handler'] => async (event, context) => {
      const fn = functions[name];
      if (!fn) throw new Error(`${name} is not started yet`);
      return (await fn.handler(event, context)) as Awaited<ReturnType<HttpRoute['handler']>>;
    };
    let inboxConfig = (): APIGatewayProxyResult => ({ statusCode: 503, headers: { 'content-type': 'application/json' }, body: '{"message":"starting"}' });
    const http = await startHttpGateway({
      port: options.httpPort,
      host,
      routes: [
        ...triggers.http.map((route) => ({ ...route, handler: handlerOf(route.functionName) })),
        // Tells the inbox page served below where the WebSocket is (a static host ships its own config.json).
        { method: 'GET', resource: '/config.json', functionName: 'inbox', handler: async () => inboxConfig() },
      ],
      staticDir: inboxDir,
      onError: (error) => options.onError('http', error),
    });
    stops.push(http.stop);
    const ws = await startWebSocketGateway({
      port: options.wsPort,
      host,
      routes: Object.fromEntries(triggers.webSocket.map(({ routeKey, functionName }) => [routeKey, { functionName, handler: handlerOf(functionName) }])),
      credentialsOf: localSigningCredentials,
      authorize: (authorization) => connectionsRefusal(authorization, localTokenMode),
      onError: (error) => options.onError('websocket', error),
    });
    stops.push(ws.stop);
    inboxConfig = () => ({ statusCode: 200, headers: { 'content-type': 'application/json', 'cache-control': 'no-cache' }, body: JSON.stringify({ ws: ws.url }) });

    // The providers' send APIs: stand-ins on loopback unless others are named, so that a laptop sends nothing anywhere.
    let standInAddresses: LocalStackDescription['standIns'];
    const startStandIns = async (): Promise<ProviderApiBaseUrls> => {
      const standIns = await startProviderApis({
        endpoints: createEndpointStore(DynamoDBDocumentClient.from(dynamodb), tables.Endpoints),
        sendKey: async () => sendKeyOf(secretValues.sendKey),
        publicBaseUrl: options.publicBaseUrl ?? http.url,
      });
      stops.push(standIns.stop);
      standInAddresses = { smsWebhookGatewayUrl: standIns.webhookGateway.url, sendgridVerificationKey: standIns.sendgrid.verificationKey };
      return standIns.baseUrls;
    };
    const givenApiUrls = options.providerApiBaseUrls ?? {};
    const providerApiUrls: ProviderApiBaseUrls = Object.keys(providerApiBaseUrls).every((name) => Object.hasOwn(givenApiUrls, name))
      ? (givenApiUrls as ProviderApiBaseUrls)
      : { ...(await startStandIns()), ...givenApiUrls };

    const names = { tables, queues, bucket: bodyBucket, secrets: secretArns, topics };
    const guards = await startAccessGuardsThread({
      host,
      targets: { dynamodb: dynamo.endpoint, sqs: fauxqs.address, cloudwatch: cloudwatch.endpoint, secretsManager: secrets.endpoint },
      names,
      tokenMode: localTokenMode,
      onDenied: (message) => options.onError('access', new AccessDenied(message)),
    });
    stops.push(guards.stop);
    const description: LocalStackDescription = {
      httpUrl: http.url,
      wsUrl: ws.url,
      publicBaseUrl: options.publicBaseUrl ?? http.url,
      dynamodbEndpoint: dynamo.endpoint,
      sqsEndpoint: fauxqs.address,
      cloudwatchEndpoint: cloudwatch.endpoint,
      region: localRegion,
      tables,
      queues,
      topics,
      bodyBucket,
      jwtSecret: secretValues.jwt,
      secretsEndpoint: secrets.endpoint,
      jwtSecretArn: secretArns.jwt,
      sendKey: secretValues.sendKey,
      sendKeyArn: secretArns.sendKey,
      providerApiBaseUrls: providerApiUrls,
      ...(standInAddresses && { standIns: standInAddresses }),
      schedules: triggers.schedules.map(({ functionName, rateMinutes }) => ({ functionName, intervalMs: options.scheduleIntervalMs ?? rateMinutes * 60_000 })),
      functionEndpoints: guards.endpoints,
      ingestVisibilityTimeoutSeconds: options.visibilityTimeoutSeconds ?? ingestQueueSettings.visibilityTimeoutSeconds,
    };
    // Each function's configuration is checked now, with the function's own check, so that one
    // that could not start (a variable its definition lacks) stops `npm start` with its reason;
    // its worker starts at its first invocation, a cold start as on Lambda.
    for (const name of functionNames) configOf(name, localEnvironmentOf(name, description));
    Object.assign(functions, localFunctions(description));
    for (const fn of Object.values(functions)) stops.push(() => fn.stop());

    for (const { functionName, queue, ...settings } of triggers.queues) {
      const queueUrl = queues[queue as keyof QueueUrls];
      const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }));
      const poller = startSqsPoller({
        client: sqs,
        queueUrl,
        queueArn: Attributes?.QueueArn ?? '',
        functionName,
        handler: handlerOf(functionName) as never,
        ...settings,
        timeoutSeconds: functionDefinitions[functionName].timeoutSeconds,
        // On AWS the ingest queue is a fair queue, grouped by tenant (functions/adapters/ingest-queue.ts); fauxqs has none.
        // So are the send queues (functions/adapters/send-queue.ts).
        groupOf: queue === 'ingest' ? (body: string) => envelopeOf(body)?.tenantId : (body: string) => sendRecordOf(body)?.tenantId,
        onError: (error) => options.onError(functionName, error),
      });
      stops.push(poller.stop);
    }

    for (const { functionName, intervalMs } of description.schedules) {
      const poller = startSchedulePoller({
        functionName,
        handler: handlerOf(functionName) as never,
        intervalMs,
        timeoutSeconds: functionDefinitions[functionName].timeoutSeconds,
        onError: (error) => options.onError(functionName, error),
      });
      stops.push(poller.stop);
    }

    for (const { functionName, table, ...settings } of triggers.streams) {
      const { Table } = await dynamodb.send(new DescribeTableCommand({ TableName: tables[table] }));
      const poller = startStreamPoller({
        client: streams,
        streamArn: Table?.LatestStreamArn ?? '',
        functionName,
        handler: handlerOf(functionName) as never,
        ...settings,
        timeoutSeconds: functionDefinitions[functionName].timeoutSeconds,
        onError: (error) => options.onError(functionName, error),
        onDiscard: (records) => options.onError(functionName, new Error(`gave up on ${records.length} stream records after retries`)),
      });
      stops.push(poller.stop);
      await poller.ready;
    }

    return { description, stop, alerts: alertListener.alerts };
  } catch (error) {
    await stop();
    throw error;
  }
};
