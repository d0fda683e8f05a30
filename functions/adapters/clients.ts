import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';

type Instrument = <Client>(client: Client) => Client;
const asIs: Instrument = (client) => client;

/**
 * SDK clients, one per process, created on first use, wrapped by `instrument` (X-Ray
 * capture, see shared/tracing.ts) where the function is traced. Endpoints come from the
 * standard AWS_ENDPOINT_URL_* variables, which is how the local runtime points them at its
 * stand-ins.
 */

let documentClient: DynamoDBDocumentClient | undefined;
let bestEffortDocumentClient: DynamoDBDocumentClient | undefined;
let sqsClient: SQSClient | undefined;
let s3Client: S3Client | undefined;

const marshallOptions = { removeUndefinedValues: true };

export const dynamoDocumentClient = (instrument: Instrument = asIs): DynamoDBDocumentClient =>
  (documentClient ??= DynamoDBDocumentClient.from(instrument(new DynamoDBClient({})), { marshallOptions }));

/**
 * For writes that must never hold up the work they count (every stage's stats: the ack's while
 * the provider waits, a batch's while its records wait to be answered): one attempt, no SDK
 * retries and their backoff, so a throttled write fails at once, its caller counts it
 * (shared/stats-writes.ts bestEffort), and an ADD is never applied twice.
 */
export const bestEffortDynamoDocumentClient = (instrument: Instrument = asIs): DynamoDBDocumentClient =>
  (bestEffortDocumentClient ??= DynamoDBDocumentClient.from(instrument(new DynamoDBClient({ maxAttempts: 1 })), { marshallOptions }));

export const sqs = (instrument: Instrument = asIs): SQSClient => (sqsClient ??= instrument(new SQSClient({})));

/** Path-style where an endpoint is set: the local stand-in (fauxqs) has no per-bucket host names. */
export const s3 = (instrument: Instrument = asIs): S3Client =>
  (s3Client ??= instrument(new S3Client({ forcePathStyle: Boolean(process.env.AWS_ENDPOINT_URL_S3) })));
