import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import { tracer } from '../shared/powertools.ts';

/**
 * SDK clients, one per process, created on first use and traced. Endpoints come from the
 * standard AWS_ENDPOINT_URL_* variables, which is how the local runtime points them at its
 * stand-ins.
 */

let documentClient: DynamoDBDocumentClient | undefined;
let sqsClient: SQSClient | undefined;

export const dynamoDocumentClient = (): DynamoDBDocumentClient =>
  (documentClient ??= DynamoDBDocumentClient.from(tracer.captureAWSv3Client(new DynamoDBClient({})), {
    marshallOptions: { removeUndefinedValues: true },
  }));

export const sqs = (): SQSClient => (sqsClient ??= tracer.captureAWSv3Client(new SQSClient({})));
