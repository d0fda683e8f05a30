import { Aspects, CfnOutput, Stack, type IAspect, type StackProps } from 'aws-cdk-lib';
import { CfnLogGroup } from 'aws-cdk-lib/aws-logs';
import type { Construct, IConstruct } from 'constructs';
import { ConfigurationError, resolveSettings, type SwitchboardSettings } from './config.ts';
import { AlarmTopic } from './constructs/alarm-topic.ts';
import type { HandlerFunction } from './constructs/handler-function.ts';
import { HealthCheck } from './constructs/health.ts';
import { Ingest } from './constructs/ingest.ts';
import { Monitoring } from './constructs/monitoring.ts';
import { capitalized } from './constructs/names.ts';
import { Processing } from './constructs/processing.ts';
import { Query } from './constructs/query.ts';
import { MediaKeeping } from './constructs/media.ts';
import { Realtime } from './constructs/realtime.ts';
import { Sending } from './constructs/sending.ts';
import { Storage } from './constructs/storage.ts';
import type { FunctionName } from './definitions/functions.ts';
import { sendQueues } from './definitions/pipeline.ts';

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
  public readonly alarmTopic: AlarmTopic;
  public readonly ingest: Ingest;
  public readonly health: HealthCheck;
  public readonly processing: Processing;
  public readonly realtime: Realtime;
  public readonly media: MediaKeeping;
  public readonly query: Query;
  public readonly sending: Sending;
  public readonly monitoring: Monitoring;
  /** Every function, by its name in lib/definitions/functions.ts. */
  public readonly functions: Readonly<Record<FunctionName, HandlerFunction>>;

  /** @throws ConfigurationError listing every setting that is not valid, before anything is built */
  constructor(scope: Construct, id: string, props: SwitchboardStackProps = {}) {
    const { settings, problems } = resolveSettings(props);
    if (problems.length > 0) throw new ConfigurationError(problems);
    // Stack reads its own props (env, description, tags…) and ignores the settings beside them.
    super(scope, id, props);
    Aspects.of(this).add(new LogRetention(settings.logRetentionDays));

    this.storage = new Storage(this, 'Storage', settings);
    // Before the functions, which publish alerts to it; the alarms on them come last (Monitoring).
    this.alarmTopic = new AlarmTopic(this, 'Alarms', settings);
    this.ingest = new Ingest(this, 'Ingest', {
      resources: {
        settings,
        tables: this.storage.tables,
        buckets: { bodies: this.storage.bodyBucket },
        queues: {},
        secrets: {},
        urls: {},
        topics: { alerts: this.alarmTopic.topic },
      },
      ...settings,
    });
    this.health = new HealthCheck(this, 'Health', { api: this.ingest.api, resources: this.ingest.resources });
    this.processing = new Processing(this, 'Processing', { resources: this.ingest.resources });
    this.realtime = new Realtime(this, 'Realtime', { resources: this.ingest.resources, ...settings });
    this.query = new Query(this, 'Query', { api: this.ingest.api, resources: this.realtime.resources });
    this.sending = new Sending(this, 'Sending', { api: this.ingest.api, webSocketApi: this.realtime.webSocketApi, resources: this.realtime.resources });
    // After sending: it opens the endpoints' send credentials with the send key that construct creates.
    this.media = new MediaKeeping(this, 'Media', { resources: this.sending.resources });
    this.functions = {
      ack: this.ingest.ackFunction,
      processor: this.processing.processorFunction,
      broadcaster: this.realtime.broadcasterFunction,
      connect: this.realtime.connectFunction,
      disconnect: this.realtime.disconnectFunction,
      socket: this.realtime.socketFunction,
      query: this.query.queryFunction,
      health: this.health.healthFunction,
      send: this.sending.sendFunction,
      sender: this.sending.senderFunction,
      reconciler: this.sending.reconcilerFunction,
      media: this.media.mediaFunction,
    };
    this.monitoring = new Monitoring(this, 'Monitoring', {
      api: this.ingest.api,
      webhookResource: this.ingest.webhookResource,
      queue: this.ingest.queue,
      deadLetterQueue: this.ingest.deadLetterQueue,
      broadcastFailureQueue: this.realtime.broadcastFailureQueue,
      sendQueues: this.sending.queues,
      streamConsumer: this.realtime.broadcasterFunction,
      // Alarm ids and dashboard labels name functions capitalized (AckErrorRate).
      functions: Object.fromEntries(Object.entries(this.functions).map(([name, fn]) => [capitalized(name), fn])),
      topic: this.alarmTopic.topic,
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
      // The outbox commands: retry queues a failed message again, list reads the table.
      SendingTableName: this.storage.sendingTable.tableName,
      ...Object.fromEntries(
        sendQueues.flatMap(({ queue, deadLetter }) => [
          [`${capitalized(queue)}QueueUrl`, this.sending.queues[queue].queue.queueUrl],
          [`${capitalized(deadLetter)}QueueUrl`, this.sending.queues[queue].deadLetterQueue.queueUrl],
        ]),
      ),
      // The ARN only: `switchboard endpoint credentials` reads the key with the caller's own permissions.
      SendKeySecretArn: this.sending.sendKey.secretArn,
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
