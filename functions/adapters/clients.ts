import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
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
let sqsClient: SQSClient | undefined;

export const dynamoDocumentClient = (instrument: Instrument = asIs): DynamoDBDocumentClient =>
  (documentClient ??= DynamoDBDocumentClient.from(instrument(new DynamoDBClient({})), {
    marshallOptions: { removeUndefinedValues: true },
  }));

export const sqs = (instrument: Instrument = asIs): SQSClient => (sqsClient ??= instrument(new SQSClient({})));
