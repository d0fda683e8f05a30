import { DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, DynamoDBBatchResponse, DynamoDBStreamEvent, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { randomBytes } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { envelopeOf } from '../../functions/core/envelope.ts';
import { broadcasterSettings, broadcastFilterPattern, processorSettings } from '../definitions/pipeline.ts';
import { loopbackHost } from './address.ts';
import { localCredentials, localRegion } from './aws.ts';
import { startCloudWatchStandIn } from './cloudwatch-standin.ts';
import { startDynamoDbLocal } from './dynamodb.ts';
import { makeFairQueue } from './fair-queue.ts';
import { startFauxqsOn } from './fauxqs.ts';
import { startHttpGateway } from './http-gateway.ts';
import { loadHandler, type LambdaHandler } from './lambda-context.ts';
import { createQueues, createTables, type QueueUrls, type TableNames } from './resources.ts';
import { startSqsPoller } from './sqs-poller.ts';
import { startStreamPoller } from './stream-poller.ts';
import { startWebSocketGateway } from './websocket-gateway.ts';

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
  /** Shortens redelivery for tests; the deployed value otherwise. */
  readonly visibilityTimeoutSeconds?: number;
  onError(source: string, error: unknown): void;
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
  /** The bucket for bodies too large to queue, in fauxqs's S3 (same endpoint as SQS). */
  readonly bodyBucket: string;
  readonly jwtSecret: string;
}

const namePrefix = 'switchboard-';
/** The inbox page's files, served at / (see inbox/). */
const inboxDir = fileURLToPath(new URL('../../inbox/', import.meta.url));

/**
 * Gives this process the environment the deployed functions get, pointed at the local
 * stack: the same variables, and the stand-ins' endpoints through AWS_ENDPOINT_URL_*.
 */
export const useLocalFunctionEnvironment = (stack: LocalStackDescription): void => {
  Object.assign(process.env, {
    AWS_REGION: stack.region,
    AWS_ACCESS_KEY_ID: localCredentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: localCredentials.secretAccessKey,
    AWS_ENDPOINT_URL_DYNAMODB: stack.dynamodbEndpoint,
    AWS_ENDPOINT_URL_SQS: stack.sqsEndpoint,
    AWS_ENDPOINT_URL_S3: stack.sqsEndpoint,
    BODY_BUCKET: stack.bodyBucket,
    AWS_ENDPOINT_URL_CLOUDWATCH: stack.cloudwatchEndpoint,
    ENDPOINTS_TABLE: stack.tables.Endpoints,
    MESSAGES_TABLE: stack.tables.Messages,
    CONNECTIONS_TABLE: stack.tables.Connections,
    NONCES_TABLE: stack.tables.Nonces,
    FEED_TABLE: stack.tables.Feed,
    INGEST_QUEUE_URL: stack.queues.ingest,
    DEAD_LETTER_QUEUE_URL: stack.queues.deadLetter,
    PUBLIC_BASE_URL: stack.publicBaseUrl,
    WEBSOCKET_MANAGEMENT_ENDPOINT: stack.wsUrl.replace(/^ws/, 'http'),
    JWT_SECRET: stack.jwtSecret,
  });
  // A developer's profile must not lead the SDK to real credentials or a real account.
  delete process.env.AWS_PROFILE;
  // Locally the terminal is the log: warnings and errors only, and no EMF metric blobs, unless asked for.
  process.env.POWERTOOLS_LOG_LEVEL ??= 'WARN';
  process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
};

let started = false;

/**
 * The whole pipeline on 127.0.0.1 (or `host`), every listener on that address only, running
 * the deployed handler modules: DynamoDB Local and fauxqs stand in for DynamoDB and SQS, two gateways for API Gateway, two pollers for
 * Lambda's event source mappings. Handlers find the stand-ins through the standard
 * AWS_ENDPOINT_URL_* variables and read their configuration from the environment, as on
 * Lambda; their modules load once, so one process runs one stack.
 */
export const startLocalStack = async (options: LocalStackOptions) => {
  if (started) throw new Error('a local stack is already running in this process');
  started = true;
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
    const tables = await createTables(dynamodb, namePrefix);
    const bodyBucket = `${namePrefix}bodies`;
    fauxqs.createBucket(bodyBucket);
    const queues = await createQueues(sqs, {
      prefix: namePrefix,
      endpoint: fauxqs.address,
      ...(options.visibilityTimeoutSeconds !== undefined && { visibilityTimeoutSeconds: options.visibilityTimeoutSeconds }),
    });
    // On AWS the ingest queue is a fair queue, grouped by tenant (see ingest-queue.ts); fauxqs has none, so it is made one.
    makeFairQueue(fauxqs, queues.ingest, (body) => envelopeOf(body)?.tenantId);

    // The gateways listen before the handlers load, because the handlers' configuration
    // holds the gateways' URLs; nothing is announced until both are ready.
    const handlers: {
      ack?: LambdaHandler<APIGatewayProxyEvent, APIGatewayProxyResult>;
      connect?: LambdaHandler<APIGatewayProxyEvent, APIGatewayProxyResult>;
      disconnect?: LambdaHandler<APIGatewayProxyEvent, APIGatewayProxyResult>;
      socket?: LambdaHandler<APIGatewayProxyEvent, APIGatewayProxyResult>;
      health?: LambdaHandler<APIGatewayProxyEvent, APIGatewayProxyResult>;
      query?: LambdaHandler<APIGatewayProxyEvent, APIGatewayProxyResult>;
    } = {};
    const lazy =
      (name: keyof typeof handlers): LambdaHandler<APIGatewayProxyEvent, APIGatewayProxyResult> =>
      (event, context) => {
        const handler = handlers[name];
        if (!handler) throw new Error(`${name} is not loaded yet`);
        return handler(event, context);
      };
    let inboxConfig = (): APIGatewayProxyResult => ({ statusCode: 503, headers: { 'content-type': 'application/json' }, body: '{"message":"starting"}' });
    const http = await startHttpGateway({
      port: options.httpPort,
      host,
      routes: [
        { method: 'POST', resource: '/webhooks/{provider}/{endpointId}', functionName: 'ack', handler: lazy('ack') },
        { method: 'GET', resource: '/webhooks/{provider}/{endpointId}', functionName: 'ack', handler: lazy('ack') },
        { method: 'GET', resource: '/health', functionName: 'health', handler: lazy('health') },
        { method: 'GET', resource: '/conversations', functionName: 'query', handler: lazy('query') },
        { method: 'GET', resource: '/conversations/{id}/messages', functionName: 'query', handler: lazy('query') },
        { method: 'GET', resource: '/events', functionName: 'query', handler: lazy('query') },
        // Preflights of an inbox hosted on another origin, answered by the query function as on AWS.
        { method: 'OPTIONS', resource: '/conversations', functionName: 'query', handler: lazy('query') },
        { method: 'OPTIONS', resource: '/conversations/{id}/messages', functionName: 'query', handler: lazy('query') },
        { method: 'OPTIONS', resource: '/events', functionName: 'query', handler: lazy('query') },
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
      routes: {
        $connect: { functionName: 'connect', handler: lazy('connect') },
        $disconnect: { functionName: 'disconnect', handler: lazy('disconnect') },
        $default: { functionName: 'socket', handler: lazy('socket') },
      },
      onError: (error) => options.onError('websocket', error),
    });
    stops.push(ws.stop);
    inboxConfig = () => ({ statusCode: 200, headers: { 'content-type': 'application/json', 'cache-control': 'no-cache' }, body: JSON.stringify({ ws: ws.url }) });

    const jwtSecret = options.jwtSecret ?? randomBytes(32).toString('base64url');
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
      bodyBucket,
      jwtSecret,
    };
    useLocalFunctionEnvironment(description);
    // The processor's backoff is capped at the queue's visibility timeout: it must know a shortened one.
    if (options.visibilityTimeoutSeconds !== undefined) process.env.INGEST_VISIBILITY_TIMEOUT_SECONDS = String(options.visibilityTimeoutSeconds);
    handlers.ack = await loadHandler('ack');
    handlers.connect = await loadHandler('connect');
    handlers.disconnect = await loadHandler('disconnect');
    handlers.socket = await loadHandler('socket');
    handlers.health = await loadHandler('health');
    handlers.query = await loadHandler('query');

    const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queues.ingest, AttributeNames: ['QueueArn'] }));
    const processorPoller = startSqsPoller({
      client: sqs,
      queueUrl: queues.ingest,
      queueArn: Attributes?.QueueArn ?? '',
      functionName: 'processor',
      handler: await loadHandler<SQSEvent, SQSBatchResponse>('processor'),
      batchSize: processorSettings.batchSize,
      maxBatchingWindowSeconds: processorSettings.maxBatchingWindowSeconds,
      concurrency: 2,
      timeoutSeconds: processorSettings.timeoutSeconds,
      onError: (error) => options.onError('processor', error),
    });
    stops.push(processorPoller.stop);

    const { Table } = await dynamodb.send(new DescribeTableCommand({ TableName: tables.Messages }));
    const broadcasterPoller = startStreamPoller({
      client: streams,
      streamArn: Table?.LatestStreamArn ?? '',
      functionName: 'broadcaster',
      handler: await loadHandler<DynamoDBStreamEvent, DynamoDBBatchResponse>('broadcaster'),
      filter: broadcastFilterPattern,
      batchSize: broadcasterSettings.batchSize,
      retryAttempts: broadcasterSettings.retryAttempts,
      timeoutSeconds: broadcasterSettings.timeoutSeconds,
      onError: (error) => options.onError('broadcaster', error),
      onDiscard: (records) => options.onError('broadcaster', new Error(`gave up on ${records.length} stream records after retries`)),
    });
    stops.push(broadcasterPoller.stop);
    await broadcasterPoller.ready;

    return { description, stop };
  } catch (error) {
    await stop();
    throw error;
  }
};
