import { CreateTableCommand, UpdateTimeToLiveCommand, type DynamoDBClient, ResourceInUseException } from '@aws-sdk/client-dynamodb';
import { CreateTopicCommand, SubscribeCommand, type SNSClient } from '@aws-sdk/client-sns';
import { CreateQueueCommand, GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { redrivenQueues, type RedrivenQueue, type RedrivenQueueId } from '../definitions/pipeline.ts';
import { tableDefinitions, type KeyAttribute, type TableDefinition } from '../definitions/tables.ts';

const keySchema = (partitionKey: KeyAttribute, sortKey?: KeyAttribute) => [
  { AttributeName: partitionKey.name, KeyType: 'HASH' as const },
  ...(sortKey ? [{ AttributeName: sortKey.name, KeyType: 'RANGE' as const }] : []),
];

/** The CreateTable request for a definition: the same keys, indexes and stream as the CDK table. */
export const createTableInput = (definition: TableDefinition, tableName: string) => {
  const keys = [definition.partitionKey, definition.sortKey, ...definition.globalSecondaryIndexes.flatMap((index) => [index.partitionKey, index.sortKey])];
  const attributes = new Map(keys.flatMap((key) => (key ? [[key.name, key.type] as const] : [])));
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST' as const,
    KeySchema: keySchema(definition.partitionKey, definition.sortKey),
    AttributeDefinitions: [...attributes].map(([AttributeName, AttributeType]) => ({ AttributeName, AttributeType })),
    ...(definition.globalSecondaryIndexes.length > 0 && {
      GlobalSecondaryIndexes: definition.globalSecondaryIndexes.map((index) => ({
        IndexName: index.indexName,
        KeySchema: keySchema(index.partitionKey, index.sortKey),
        Projection: { ProjectionType: 'ALL' as const },
      })),
    }),
    ...(definition.stream && { StreamSpecification: { StreamEnabled: true, StreamViewType: definition.stream } }),
  };
};

export type TableNames = Readonly<Record<(typeof tableDefinitions)[number]['id'], string>>;

/** Creates every table the stack defines, named `<prefix><id>`; existing ones (a --data-dir) are kept. */
export const createTables = async (client: DynamoDBClient, prefix: string): Promise<TableNames> => {
  const names: Record<string, string> = {};
  for (const definition of tableDefinitions as readonly TableDefinition[]) {
    const tableName = `${prefix}${definition.id}`;
    names[definition.id] = tableName;
    try {
      await client.send(new CreateTableCommand(createTableInput(definition, tableName)));
      if (definition.timeToLiveAttribute) {
        await client.send(
          new UpdateTimeToLiveCommand({ TableName: tableName, TimeToLiveSpecification: { Enabled: true, AttributeName: definition.timeToLiveAttribute } }),
        );
      }
    } catch (error) {
      if (!(error instanceof ResourceInUseException)) throw error;
    }
  }
  return names as TableNames;
};

/** Every queue the local stack has, by its id in the definitions: each consumed queue and its DLQ. */
export type QueueUrls = Readonly<Record<RedrivenQueueId, string>>;

/**
 * fauxqs names queues sqs.<region>.localhost, which does not resolve everywhere, and the SDK
 * sends to a queue URL's own host. fauxqs finds a queue by its path alone, so the URL is
 * re-rooted on the endpoint the clients already use.
 */
const reachableQueueUrl = (queueUrl: string | undefined, endpoint: string): string =>
  new URL(new URL(queueUrl ?? '').pathname, endpoint).toString();

/**
 * Every queue a function consumes and its DLQ (lib/definitions/pipeline.ts redrivenQueues), with
 * the deployed redrive policy, named `<prefix><queue>` and `<prefix><queue>-dlq`. Tests may
 * shorten the consumed queues' visibility timeout so that redelivery and redrive happen in
 * seconds, not minutes.
 */
export const createQueues = async (
  client: SQSClient,
  { prefix, endpoint, visibilityTimeoutSeconds }: { prefix: string; endpoint: string; visibilityTimeoutSeconds?: number },
): Promise<QueueUrls> => {
  const urls: Partial<Record<RedrivenQueueId, string>> = {};
  for (const { queue, deadLetter, settings } of redrivenQueues as readonly RedrivenQueue<RedrivenQueueId, RedrivenQueueId>[]) {
    const deadLetterQueue = await client.send(
      new CreateQueueCommand({ QueueName: `${prefix}${queue}-dlq`, Attributes: { MessageRetentionPeriod: String(settings.dlqRetentionPeriodSeconds) } }),
    );
    const { Attributes } = await client.send(new GetQueueAttributesCommand({ QueueUrl: deadLetterQueue.QueueUrl, AttributeNames: ['QueueArn'] }));
    const consumed = await client.send(
      new CreateQueueCommand({
        QueueName: `${prefix}${queue}`,
        Attributes: {
          VisibilityTimeout: String(visibilityTimeoutSeconds ?? settings.visibilityTimeoutSeconds),
          MessageRetentionPeriod: String(settings.retentionPeriodSeconds),
          ...(settings.maximumMessageBytes !== undefined && { MaximumMessageSize: String(settings.maximumMessageBytes) }),
          RedrivePolicy: JSON.stringify({ deadLetterTargetArn: Attributes?.QueueArn, maxReceiveCount: settings.maxReceiveCount }),
        },
      }),
    );
    urls[queue] = reachableQueueUrl(consumed.QueueUrl, endpoint);
    urls[deadLetter] = reachableQueueUrl(deadLetterQueue.QueueUrl, endpoint);
  }
  return urls as QueueUrls;
};

/** The alarm topic, locally: its ARN for the functions that publish, and the queue that stands in for its subscribers. */
export interface LocalAlertsTopic {
  readonly topicArn: string;
  readonly queueUrl: string;
  readonly queueArn: string;
}

/**
 * The alarm topic (`<prefix>alerts`) and a queue subscribed to it, in fauxqs, where on AWS the
 * operator's email is subscribed: the local stack reads the queue and prints each alert. The
 * subscription delivers SNS's envelope, which carries the subject.
 */
export const createAlertsTopic = async ({ sns, sqs }: { sns: SNSClient; sqs: SQSClient }, { prefix, endpoint }: { prefix: string; endpoint: string }): Promise<LocalAlertsTopic> => {
  const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: `${prefix}alerts` }));
  const queue = await sqs.send(new CreateQueueCommand({ QueueName: `${prefix}alerts` }));
  const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queue.QueueUrl, AttributeNames: ['QueueArn'] }));
  const queueArn = Attributes?.QueueArn;
  if (!TopicArn || !queueArn) throw new Error('fauxqs answered no ARN for the alerts topic or its queue');
  await sns.send(new SubscribeCommand({ TopicArn, Protocol: 'sqs', Endpoint: queueArn }));
  return { topicArn: TopicArn, queueUrl: reachableQueueUrl(queue.QueueUrl, endpoint), queueArn };
};
