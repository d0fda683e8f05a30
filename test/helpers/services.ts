import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import { loopbackHost } from '../../lib/local/address.ts';
import { localCredentials, localRegion } from '../../lib/local/aws.ts';
import { startDynamoDbLocal } from '../../lib/local/dynamodb.ts';
import { startFauxqsOn } from '../../lib/local/fauxqs.ts';
import { createTables, type TableNames } from '../../lib/local/resources.ts';
import { startSecretsStandIn } from '../../lib/local/secrets-standin.ts';
import { freePort } from './ports.ts';

const clientConfig = { region: localRegion, credentials: localCredentials };

/** DynamoDB Local on a free port with the stack's tables, for one test file. */
export const startDynamoDb = async () => {
  const dynamo = await startDynamoDbLocal({ port: await freePort() });
  const client = new DynamoDBClient({ ...clientConfig, endpoint: dynamo.endpoint });
  const tables: TableNames = await createTables(client, `test-${Date.now()}-`);
  return {
    endpoint: dynamo.endpoint,
    client,
    documentClient: DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } }),
    tables,
    /** What a handler loaded in this process needs to reach this DynamoDB Local, as Lambda would give it. */
    handlerEnvironment: {
      AWS_REGION: localRegion,
      AWS_ACCESS_KEY_ID: localCredentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: localCredentials.secretAccessKey,
      AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
    },
    stop: async () => {
      client.destroy();
      await dynamo.stop();
    },
  };
};

/** fauxqs on the given (or a free) port of 127.0.0.1. */
export const startSqs = async (port = 0) => {
  const server = await startFauxqsOn(loopbackHost, { port, logger: false });
  return {
    server,
    endpoint: server.address,
    client: new SQSClient({ ...clientConfig, endpoint: server.address }),
    /** What a handler loaded in this process needs to reach this fauxqs's SQS and S3, as the local runtime gives it. */
    handlerEnvironment: {
      AWS_REGION: localRegion,
      AWS_ACCESS_KEY_ID: localCredentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: localCredentials.secretAccessKey,
      AWS_ENDPOINT_URL_SQS: server.address,
      AWS_ENDPOINT_URL_S3: server.address,
    },
    stop: () => server.stop(),
  };
};

/** The Secrets Manager stand-in holding the inbox token key `secret`, for handlers loaded in this process. */
export const startJwtSecret = async (secret: string) => {
  const secrets = await startSecretsStandIn({ host: loopbackHost, secrets: { 'switchboard-jwt': secret } });
  return {
    ...secrets,
    /** The variables the handler reads the key through, as the local runtime gives them. */
    handlerEnvironment: { JWT_SECRET_ARN: secrets.arnOf('switchboard-jwt'), AWS_ENDPOINT_URL_SECRETS_MANAGER: secrets.endpoint },
  };
};
