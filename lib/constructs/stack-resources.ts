import type { WebSocketStage } from 'aws-cdk-lib/aws-apigatewayv2';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import type { ResolvedSettings } from '../config.ts';
import { settingValuesOf, tokenModeOf } from '../config.ts';
import type { ResourceValues } from '../definitions/environment.ts';
import type { BucketId, QueueId, SecretId, TopicId, UrlId } from '../definitions/functions.ts';
import type { TableId } from '../definitions/tables.ts';

/**
 * The stack's resources that function definitions name (lib/definitions/functions.ts), as the
 * constructs have made them so far: each construct builds its functions from what exists.
 */
export interface StackResources {
  readonly settings: ResolvedSettings;
  readonly tables: Readonly<Record<TableId, ITable>>;
  readonly buckets: Readonly<Record<BucketId, IBucket>>;
  readonly queues: Readonly<Partial<Record<QueueId, IQueue>>>;
  readonly secrets: Readonly<Partial<Record<SecretId, ISecret>>>;
  readonly urls: Readonly<Partial<Record<UrlId, string>>>;
  readonly topics: Readonly<Partial<Record<TopicId, ITopic>>>;
  /** The WebSocket stage whose connections the broadcaster and socket functions post to. */
  readonly webSocketStage?: WebSocketStage;
}

const mapValues = <Key extends string, From, To>(record: Readonly<Partial<Record<Key, From>>>, map: (value: From) => To): Partial<Record<Key, To>> =>
  Object.fromEntries(Object.entries(record).map(([key, value]) => [key, map(value as From)])) as Partial<Record<Key, To>>;

/** What the definitions' variables resolve to on AWS: CloudFormation's names, URLs and ARNs. */
export const resourceValuesOf = (resources: StackResources): ResourceValues => ({
  tables: mapValues(resources.tables, (table) => table.tableName) as Record<TableId, string>,
  buckets: mapValues(resources.buckets, (bucket) => bucket.bucketName) as Record<BucketId, string>,
  queues: mapValues(resources.queues, (queue) => queue.queueUrl),
  secrets: mapValues(resources.secrets, (secret) => secret.secretArn) as Record<SecretId, string>,
  urls: resources.urls,
  topics: mapValues(resources.topics, (topic) => topic.topicArn),
  settings: settingValuesOf(resources.settings),
  tokenMode: tokenModeOf(resources.settings),
});

/** The resource a definition names, or a synth error saying which construct must come first. */
export const required = <Value>(value: Value | undefined, what: string): Value => {
  if (value === undefined) throw new Error(`${what} is used before the stack makes it: build the construct that makes it first`);
  return value;
};
