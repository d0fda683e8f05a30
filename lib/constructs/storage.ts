import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import {
  connectionsTable,
  endpointsTable,
  messagesTable,
  noncesTable,
  type KeyAttribute,
  type TableDefinition,
} from '../definitions/tables.ts';
import { archiveRetentionDays, bodyRetentionDays } from '../definitions/pipeline.ts';

const attributeTypes = { S: dynamodb.AttributeType.STRING, N: dynamodb.AttributeType.NUMBER } as const;

const attribute = ({ name, type }: KeyAttribute): dynamodb.Attribute => ({ name, type: attributeTypes[type] });

/** A table shaped by its shared definition, so the deployed table matches the local one. */
const tableFrom = (scope: Construct, definition: TableDefinition, removalPolicy: RemovalPolicy): dynamodb.Table => {
  const table = new dynamodb.Table(scope, definition.id, {
    partitionKey: attribute(definition.partitionKey),
    ...(definition.sortKey && { sortKey: attribute(definition.sortKey) }),
    ...(definition.timeToLiveAttribute && { timeToLiveAttribute: definition.timeToLiveAttribute }),
    ...(definition.stream && { stream: dynamodb.StreamViewType[definition.stream] }),
    billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
    pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
    encryption: dynamodb.TableEncryption.AWS_MANAGED,
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

/** The DynamoDB tables, on demand, recoverable to any point in the last 35 days, encrypted with a KMS key. */
export class Storage extends Construct {
  /** Endpoints and their provider secrets. */
  public readonly endpointsTable: dynamodb.Table;
  /** Conversations, messages and quarantined requests; its stream feeds the broadcaster. */
  public readonly messagesTable: dynamodb.Table;
  /** Open WebSocket connections. */
  public readonly connectionsTable: dynamodb.Table;
  /** One-time tokens the ack path has seen (Mailgun's), kept until they expire. */
  public readonly noncesTable: dynamodb.Table;
  /**
   * Webhook bodies too large for an SQS message, under bodies/<day>/<request id> (the claim
   * check), and every queued request as received, under archive/<day>/<request id>.json.
   */
  public readonly bodyBucket: s3.Bucket;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    this.endpointsTable = tableFrom(this, endpointsTable, RemovalPolicy.RETAIN);
    this.messagesTable = tableFrom(this, messagesTable, RemovalPolicy.RETAIN);
    // A connection lives two hours at most: nothing worth keeping outlives the stack.
    this.connectionsTable = tableFrom(this, connectionsTable, RemovalPolicy.DESTROY);
    this.noncesTable = tableFrom(this, noncesTable, RemovalPolicy.DESTROY);
    this.bodyBucket = new s3.Bucket(this, 'BodyBucket', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      lifecycleRules: [
        { prefix: 'bodies/', expiration: Duration.days(bodyRetentionDays) },
        { prefix: 'archive/', expiration: Duration.days(archiveRetentionDays) },
      ],
      // Customer mail and messages: kept with the tables when the stack goes.
      removalPolicy: RemovalPolicy.RETAIN,
    });
  }
}
