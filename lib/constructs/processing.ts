import { Duration } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { processorSettings } from '../definitions/pipeline.ts';
import { grantEndpointLookup, grantObjects } from './grants.ts';
import { acknowledgeTableIndexes } from './nag.ts';
import { HandlerFunction } from './handler-function.ts';

export interface ProcessingProps {
  /** The ingest queue the processor consumes; its visibility timeout must cover six processor timeouts. */
  readonly queue: IQueue;
  /** Where messages, conversations and quarantined requests are stored. */
  readonly messagesTable: ITable;
  /** Read by key, for the routes that give a shared provider app's accounts to their tenants. */
  readonly endpointsTable: ITable;
  /** Where the ack function put bodies too large to queue, and where requests are archived. */
  readonly bodyBucket: IBucket;
}

/** The processor: parses, dedupes, threads and stores queued webhooks, reporting failures per record. */
export class Processing extends Construct {
  public readonly processorFunction: HandlerFunction;

  constructor(scope: Construct, id: string, props: ProcessingProps) {
    super(scope, id);
    this.processorFunction = new HandlerFunction(this, 'ProcessorFunction', {
      name: 'processor',
      environment: {
        MESSAGES_TABLE: props.messagesTable.tableName,
        ENDPOINTS_TABLE: props.endpointsTable.tableName,
        BODY_BUCKET: props.bodyBucket.bucketName,
        // A failed record is hidden for its backoff delay (ChangeMessageVisibility, which the
        // event source below grants with the rest of what consuming the queue takes).
        INGEST_QUEUE_URL: props.queue.queueUrl,
      },
    });
    // What message-store.ts and failure-store.ts send: key reads, the pending receipts' query,
    // puts, updates and deletes, alone or in transactions (IAM authorizes each item's action).
    // Never a scan or a batch write.
    props.messagesTable.grant(this.processorFunction, 'dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem');
    grantEndpointLookup(this.processorFunction, props.endpointsTable);
    acknowledgeTableIndexes(this.processorFunction, props.messagesTable);
    grantObjects(this.processorFunction, props.bodyBucket, 's3:GetObject', 'bodies/');
    grantObjects(this.processorFunction, props.bodyBucket, 's3:PutObject', 'archive/');
    // A request too large for one invocation is queued again in parts (functions/core/request-parts.ts).
    props.queue.grantSendMessages(this.processorFunction);

    this.processorFunction.addEventSource(
      new SqsEventSource(props.queue, {
        batchSize: processorSettings.batchSize,
        // Unset is Lambda's own "no window"; the template then shows only what was chosen.
        ...(processorSettings.maxBatchingWindowSeconds > 0 && {
          maxBatchingWindow: Duration.seconds(processorSettings.maxBatchingWindowSeconds),
        }),
        maxConcurrency: processorSettings.maxConcurrency,
        // Only the records that failed go back to the queue, not the whole batch.
        reportBatchItemFailures: true,
      }),
    );
  }
}
