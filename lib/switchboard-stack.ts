import { Aspects, CfnOutput, Stack, type IAspect, type StackProps } from 'aws-cdk-lib';
import { CfnLogGroup } from 'aws-cdk-lib/aws-logs';
import type { Construct, IConstruct } from 'constructs';
import { ConfigurationError, resolveSettings, type SwitchboardSettings } from './config.ts';
import { HealthCheck } from './constructs/health.ts';
import { Ingest } from './constructs/ingest.ts';
import { Monitoring } from './constructs/monitoring.ts';
import { Processing } from './constructs/processing.ts';
import { Query } from './constructs/query.ts';
import { Realtime } from './constructs/realtime.ts';
import { Storage } from './constructs/storage.ts';

export interface SwitchboardStackProps extends StackProps, SwitchboardSettings {}

/** Every log group of the stack keeps its events as long as the configuration says, in one place. */
class LogRetention implements IAspect {
  readonly #days: number;

  constructor(days: number) {
    this.#days = days;
  }

  public visit(node: IConstruct): void {
    if (node instanceof CfnLogGroup) node.retentionInDays = this.#days;
  }
}

/** Switchboard on AWS: webhooks in, messages stored once, changes pushed to inbox clients. */
export class SwitchboardStack extends Stack {
  public readonly storage: Storage;
  public readonly ingest: Ingest;
  public readonly health: HealthCheck;
  public readonly processing: Processing;
  public readonly realtime: Realtime;
  public readonly query: Query;
  public readonly monitoring: Monitoring;

  /** @throws ConfigurationError listing every setting that is not valid, before anything is built */
  constructor(scope: Construct, id: string, props: SwitchboardStackProps = {}) {
    const { settings, problems } = resolveSettings(props);
    if (problems.length > 0) throw new ConfigurationError(problems);
    // Stack reads its own props (env, description, tags…) and ignores the settings beside them.
    super(scope, id, props);
    Aspects.of(this).add(new LogRetention(settings.logRetentionDays));

    this.storage = new Storage(this, 'Storage', settings);
    this.ingest = new Ingest(this, 'Ingest', {
      endpointsTable: this.storage.endpointsTable,
      noncesTable: this.storage.noncesTable,
      bodyBucket: this.storage.bodyBucket,
      ...settings,
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
      feedTable: this.storage.feedTable,
      ...settings,
    });
    this.query = new Query(this, 'Query', {
      api: this.ingest.api,
      messagesTable: this.storage.messagesTable,
      feedTable: this.storage.feedTable,
      tokens: this.realtime,
      ...(settings.reservedConcurrency && { reservedConcurrency: settings.reservedConcurrency }),
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
      ...settings,
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
      // `switchboard token --ttl` refuses a token the functions would refuse.
      TokenMaxLifetimeSeconds: String(settings.tokenMaxLifetimeSeconds),
      // Operators writing endpoints need kms:Encrypt and kms:Decrypt on it, as well as the table.
      EndpointsKeyArn: this.storage.endpointsKey.keyArn,
    };
    for (const [name, value] of Object.entries(outputs)) new CfnOutput(this, name, { value });
    if (this.ingest.domainName) {
      new CfnOutput(this, 'CustomDomainTarget', {
        description: "Point the custom domain's DNS here (CNAME, or a Route 53 alias)",
        value: this.ingest.domainName.domainNameAliasDomainName,
      });
    }
  }
}
