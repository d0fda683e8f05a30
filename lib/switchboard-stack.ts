import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { HealthCheck } from './constructs/health.ts';
import { Ingest } from './constructs/ingest.ts';
import { Monitoring } from './constructs/monitoring.ts';
import { Processing } from './constructs/processing.ts';
import { Query } from './constructs/query.ts';
import { Realtime, type OidcProps } from './constructs/realtime.ts';
import { Storage } from './constructs/storage.ts';

export interface SwitchboardStackProps extends StackProps {
  /**
   * The stage of both APIs: the first path segment of webhook URLs and the WebSocket URL's path.
   *
   * @default 'prod'
   */
  readonly stageName?: string;
  /**
   * Warm instances of the ack function. 0 turns provisioned concurrency off (and its cost), for
   * development stacks; webhooks then meet cold starts.
   *
   * @default 1
   */
  readonly ackProvisionedConcurrency?: number;
  /**
   * The https URL providers call, without a trailing slash, when a custom domain or proxy sits
   * in front of the REST API.
   *
   * @default - the REST API's execute-api URL of the stage
   */
  readonly publicBaseUrl?: string;
  /**
   * An OIDC issuer whose tokens the WebSocket accepts at connect, checked against its JWKS.
   *
   * @default - HS256 tokens signed with the stack's shared secret (`switchboard token`)
   */
  readonly oidc?: OidcProps;
  /**
   * An address subscribed to the alarm topic (it must confirm AWS's email).
   *
   * @default - no subscription: subscribe to the topic yourself
   */
  readonly alarmEmail?: string;
}

const checkStageName = (stageName: string): void => {
  if (!/^[A-Za-z0-9_-]{1,128}$/.test(stageName)) {
    throw new Error(`stageName must be 1 to 128 letters, digits, '-' or '_', got ${JSON.stringify(stageName)}`);
  }
};

const checkProvisionedConcurrency = (count: number): void => {
  if (!Number.isInteger(count) || count < 0) {
    throw new Error(`ackProvisionedConcurrency must be a whole number, 0 or more (0 turns it off), got ${count}`);
  }
};

const checkPublicBaseUrl = (url: string): void => {
  if (!URL.canParse(url) || new URL(url).protocol !== 'https:') {
    throw new Error(`publicBaseUrl must be an https:// URL, got ${JSON.stringify(url)}`);
  }
  if (url.endsWith('/')) {
    throw new Error(`publicBaseUrl must not end with '/': webhook paths are appended to it, got ${JSON.stringify(url)}`);
  }
};

/** Switchboard on AWS: webhooks in, messages stored once, changes pushed to inbox clients. */
export class SwitchboardStack extends Stack {
  public readonly storage: Storage;
  public readonly ingest: Ingest;
  public readonly health: HealthCheck;
  public readonly processing: Processing;
  public readonly realtime: Realtime;
  public readonly query: Query;
  public readonly monitoring: Monitoring;

  constructor(scope: Construct, id: string, props: SwitchboardStackProps = {}) {
    const { stageName = 'prod', ackProvisionedConcurrency = 1, publicBaseUrl, oidc, alarmEmail, ...stackProps } = props;
    checkStageName(stageName);
    checkProvisionedConcurrency(ackProvisionedConcurrency);
    if (publicBaseUrl !== undefined) checkPublicBaseUrl(publicBaseUrl);
    super(scope, id, stackProps);

    this.storage = new Storage(this, 'Storage');
    this.ingest = new Ingest(this, 'Ingest', {
      endpointsTable: this.storage.endpointsTable,
      noncesTable: this.storage.noncesTable,
      bodyBucket: this.storage.bodyBucket,
      stageName,
      ackProvisionedConcurrency,
      publicBaseUrl,
    });
    this.health = new HealthCheck(this, 'Health', {
      api: this.ingest.api,
      queue: this.ingest.queue,
      deadLetterQueue: this.ingest.deadLetterQueue,
    });
    this.processing = new Processing(this, 'Processing', {
      queue: this.ingest.queue,
      messagesTable: this.storage.messagesTable,
      endpointsTable: this.storage.endpointsTable,
      bodyBucket: this.storage.bodyBucket,
    });
    this.realtime = new Realtime(this, 'Realtime', {
      connectionsTable: this.storage.connectionsTable,
      messagesTable: this.storage.messagesTable,
      stageName,
      oidc,
    });
    this.query = new Query(this, 'Query', {
      api: this.ingest.api,
      messagesTable: this.storage.messagesTable,
      tokens: this.realtime,
    });
    this.monitoring = new Monitoring(this, 'Monitoring', {
      api: this.ingest.api,
      webhookResource: this.ingest.webhookResource,
      queue: this.ingest.queue,
      deadLetterQueue: this.ingest.deadLetterQueue,
      broadcastFailureQueue: this.realtime.broadcastFailureQueue,
      streamConsumer: this.realtime.broadcasterFunction,
      functions: {
        Ack: this.ingest.ackFunction,
        Processor: this.processing.processorFunction,
        Broadcaster: this.realtime.broadcasterFunction,
        Connect: this.realtime.connectFunction,
        Disconnect: this.realtime.disconnectFunction,
        Socket: this.realtime.socketFunction,
        Query: this.query.queryFunction,
        Health: this.health.healthFunction,
      },
      alarmEmail,
    });

    // The `switchboard --stack` CLI reads these by name (lib/cli/target.ts).
    const outputs = {
      WebhookBaseUrl: this.ingest.webhookBaseUrl,
      WebSocketUrl: this.realtime.webSocketUrl,
      EndpointsTableName: this.storage.endpointsTable.tableName,
      MessagesTableName: this.storage.messagesTable.tableName,
      ConnectionsTableName: this.storage.connectionsTable.tableName,
      IngestQueueUrl: this.ingest.queue.queueUrl,
      DeadLetterQueueUrl: this.ingest.deadLetterQueue.queueUrl,
      BodyBucketName: this.storage.bodyBucket.bucketName,
      JwtSecretArn: this.realtime.jwtSecret.secretArn,
    };
    for (const [name, value] of Object.entries(outputs)) new CfnOutput(this, name, { value });
  }
}
