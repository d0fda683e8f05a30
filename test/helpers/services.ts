import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import { loopbackHost } from '../../lib/local/address.ts';
import { localCredentials, localRegion } from '../../lib/local/aws.ts';
import { startDynamoDbLocal } from '../../lib/local/dynamodb.ts';
import { startFauxqsOn } from '../../lib/local/fauxqs.ts';
import { createTables, type TableNames } from '../../lib/local/resources.ts';
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
  return { server, endpoint: server.address, client: new SQSClient({ ...clientConfig, endpoint: server.address }), stop: () => server.stop() };
};
