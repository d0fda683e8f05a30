import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import { Key } from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { tableDefinitions, type KeyAttribute, type TableDefinition, type TableId } from '../definitions/tables.ts';
import { bodyRetentionDays, uploadRetentionDays } from '../definitions/pipeline.ts';

const attributeTypes = { S: dynamodb.AttributeType.STRING, N: dynamodb.AttributeType.NUMBER } as const;

const attribute = ({ name, type }: KeyAttribute): dynamodb.Attribute => ({ name, type: attributeTypes[type] });

/** A table shaped by its shared definition, so the deployed table matches the local one. */
const tableFrom = (scope: Construct, definition: TableDefinition, removalPolicy: RemovalPolicy, encryptionKey?: Key): dynamodb.Table => {
  const table = new dynamodb.Table(scope, definition.id, {
    partitionKey: attribute(definition.partitionKey),
    ...(definition.sortKey && { sortKey: attribute(definition.sortKey) }),
    ...(definition.timeToLiveAttribute && { timeToLiveAttribute: definition.timeToLiveAttribute }),
    ...(definition.stream && { stream: dynamodb.StreamViewType[definition.stream] }),
    billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
    pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
    ...(encryptionKey
      ? { encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED, encryptionKey }
      : { encryption: dynamodb.TableEncryption.AWS_MANAGED }),
    removalPolicy,
  });
  for (const index of definition.globalSecondaryIndexes) {
    table.addGlobalSecondaryIndex({
      indexName: index.indexName,
      partitionKey: attribute(index.partitionKey),
      ...(index.sortKey && { sortKey: attribute(index.sortKey) }),
      projectionType: dynamodb.ProjectionType.ALL,
    });
  }
  return table;
};

export interface StorageProps {
  /** Days every queued request is kept as received under archive/, for audit and replay. */
  readonly archiveRetentionDays: number;
  /** Days the body bucket's access log is kept, as long as the functions' logs. */
  readonly logRetentionDays: number;
}

/** Whether each table outlives the stack: a new table is typed here, so its fate is a decision. */
const removalPolicies = {
  Endpoints: RemovalPolicy.RETAIN,
  Messages: RemovalPolicy.RETAIN,
  // A connection lives two hours at most: nothing worth keeping outlives the stack.
  Connections: RemovalPolicy.DESTROY,
  Nonces: RemovalPolicy.DESTROY,
  // Frames expire after a day, but a tenant's counter must outlive the stack's updates: a new
  // counter would hand out numbers clients already hold.
  Feed: RemovalPolicy.RETAIN,
  // Idempotency records (24 h), rate slots and open-message markers: the messages themselves,
  // with their states, are in the retained messages table.
  Sending: RemovalPolicy.DESTROY,
  // Counters and attempts that expire within 35 days, rebuilt as traffic flows: nothing to keep past the stack.
  Stats: RemovalPolicy.DESTROY,
} as const satisfies Record<TableId, RemovalPolicy>;

/**
 * The DynamoDB tables, on demand, recoverable to any point in the last 35 days, encrypted with
 * KMS; and the bucket of large bodies and archived requests.
 */
export class Storage extends Construct {
  /** Endpoints and their provider secrets, under a key of the stack's own. */
  public readonly endpointsTable: dynamodb.Table;
  /**
   * The key the endpoints table is encrypted with: reading an endpoint takes kms:Decrypt on it,
   * so who can read provider secrets is written in IAM and in this key's policy, and every use
   * is in CloudTrail.
   */
  public readonly endpointsKey: Key;
  /** Conversations, messages and quarantined requests; its stream feeds the broadcaster. */
  public readonly messagesTable: dynamodb.Table;
  /** Open WebSocket connections. */
  public readonly connectionsTable: dynamodb.Table;
  /** One-time tokens the ack path has seen (Mailgun's), kept until they expire. */
  public readonly noncesTable: dynamodb.Table;
  /** Each tenant's change feed: the frames the broadcaster pushed, by sequence number, for GET /events. */
  public readonly feedTable: dynamodb.Table;
  /** Sending's idempotency records, rate slots and open-message markers (functions/core/sending-items.ts). */
  public readonly sendingTable: dynamodb.Table;
  /** Every table, by its id in lib/definitions/tables.ts. */
  public readonly tables: Readonly<Record<TableId, dynamodb.Table>>;
  /**
   * Webhook bodies too large for an SQS message, under bodies/<day>/<request id> (the claim
   * check), and every queued request as received, under archive/<day>/<request id>.json.
   */
  public readonly bodyBucket: s3.Bucket;

  /** Where S3 writes the access log of the body bucket. */
  public readonly accessLogBucket: s3.Bucket;

  constructor(scope: Construct, id: string, props: StorageProps) {
    super(scope, id);
    this.endpointsKey = new Key(this, 'EndpointsKey', {
      description: 'Switchboard: endpoints table (provider secrets)',
      enableKeyRotation: true,
      // Without the key the retained table cannot be read: the key stays with it.
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.tables = Object.fromEntries(
      tableDefinitions.map((definition) => [
        definition.id,
        tableFrom(this, definition, removalPolicies[definition.id], definition.id === 'Endpoints' ? this.endpointsKey : undefined),
      ]),
    ) as Record<TableId, dynamodb.Table>;
    ({ Endpoints: this.endpointsTable, Messages: this.messagesTable, Connections: this.connectionsTable, Nonces: this.noncesTable, Feed: this.feedTable, Sending: this.sendingTable } =
      this.tables);
    const privateBucket = {
      // S3 server access logging delivers only to buckets under S3-managed keys.
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
    } as const;
    this.accessLogBucket = new s3.Bucket(this, 'AccessLogBucket', {
      ...privateBucket,
      lifecycleRules: [{ expiration: Duration.days(props.logRetentionDays) }],
      removalPolicy: RemovalPolicy.RETAIN,
    });
    // The access log's own bucket logging into itself would log every delivery, forever.
    Validations.of(this.accessLogBucket).acknowledge({
      id: 'AwsSolutions-S1',
      reason: 'This is the access log bucket; logging its own writes would loop.',
    });
    this.bodyBucket = new s3.Bucket(this, 'BodyBucket', {
      ...privateBucket,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      serverAccessLogsBucket: this.accessLogBucket,
      serverAccessLogsPrefix: 'body-bucket/',
      lifecycleRules: [
        { prefix: 'bodies/', expiration: Duration.days(bodyRetentionDays) },
        { prefix: 'archive/', expiration: Duration.days(props.archiveRetentionDays) },
        { prefix: 'uploads/', expiration: Duration.days(uploadRetentionDays) },
      ],
      // The inbox PUTs an agent's file, and shows media, through URLs the API signs: each one
      // names its object, method, size and expiry, so any origin may use them, and only them.
      cors: [{ allowedMethods: [s3.HttpMethods.PUT, s3.HttpMethods.GET], allowedOrigins: ['*'], allowedHeaders: ['content-type'], maxAge: 3600 }],
      // Customer mail and messages: kept with the tables when the stack goes.
      removalPolicy: RemovalPolicy.RETAIN,
    });
  }
}
