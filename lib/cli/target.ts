import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { DynamoDBClient, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import { createBodyStore, type BodyStore } from '../../functions/adapters/body-store.ts';
import { createEndpointStore, type EndpointStore } from '../../functions/adapters/endpoint-store.ts';
import { defaultTokenMaxLifetimeSeconds } from '../../functions/core/tokens.ts';
import { localCredentials } from '../local/aws.ts';
import { readStateFile, stateFilePath } from '../local/state-file.ts';

/** The Switchboard a command talks to: the local stack, or a deployed one. */
export interface Target {
  readonly publicBaseUrl: string;
  readonly webSocketUrl: string;
  readonly endpoints: EndpointStore;
  /** The longest-lived token the stack's functions accept (its tokenMaxLifetimeSeconds). */
  readonly tokenMaxLifetimeSeconds: number;
  jwtSecret(): Promise<string>;
}

/**
 * What the operator's commands (quarantine, dlq) reach: the ingest queue, its DLQ and the
 * messages table, where quarantined requests and the processor's failure records are kept.
 */
export interface QueueTarget {
  readonly sqs: SQSClient;
  readonly ingestQueueUrl: string;
  readonly deadLetterQueueUrl: string;
  readonly messages: DynamoDBDocumentClient;
  readonly messagesTable: string;
  /** The body bucket: large bodies and the request archive, which a large quarantined request is replayed from. */
  readonly bodies: BodyStore;
  /** How `dlq redrive` moves messages: SQS's own move task on AWS; fauxqs has none, so one by one locally. */
  readonly redrive: RedriveStrategy;
}

export type RedriveStrategy = 'move-task' | 'message-by-message';

const documentClient = (config: DynamoDBClientConfig) =>
  DynamoDBDocumentClient.from(new DynamoDBClient(config), { marshallOptions: { removeUndefinedValues: true } });

/** The stack `npm start` runs, found through its state file. */
export const localTarget = async (): Promise<Target> => {
  const state = await readStateFile(stateFilePath());
  const client = documentClient({ endpoint: state.dynamodbEndpoint, region: state.region, credentials: localCredentials });
  return {
    publicBaseUrl: state.publicBaseUrl,
    webSocketUrl: state.wsUrl,
    endpoints: createEndpointStore(client, state.tables.Endpoints),
    // The local functions run with the default cap.
    tokenMaxLifetimeSeconds: defaultTokenMaxLifetimeSeconds,
    jwtSecret: async () => state.jwtSecret,
  };
};

export const localQueueTarget = async (): Promise<QueueTarget> => {
  const state = await readStateFile(stateFilePath());
  const config = { region: state.region, credentials: localCredentials };
  return {
    sqs: new SQSClient({ ...config, endpoint: state.sqsEndpoint }),
    ingestQueueUrl: state.queues.ingest,
    deadLetterQueueUrl: state.queues.deadLetter,
    messages: documentClient({ ...config, endpoint: state.dynamodbEndpoint }),
    messagesTable: state.tables.Messages,
    bodies: createBodyStore({ bucket: state.bodyBucket, credentials: async () => localCredentials, region: async () => state.region, endpoint: state.sqsEndpoint }),
    redrive: 'message-by-message',
  };
};

const stackOutputs = async (stackName: string) => {
  const { Stacks } = await new CloudFormationClient({}).send(new DescribeStacksCommand({ StackName: stackName }));
  const outputs = Object.fromEntries((Stacks?.[0]?.Outputs ?? []).map((output) => [output.OutputKey, output.OutputValue]));
  return {
    required(name: string): string {
      const value = outputs[name];
      if (!value) throw new Error(`stack ${stackName} has no output ${name}: is it a Switchboard stack, deployed with this version?`);
      return value;
    },
    /** An output that stacks deployed by an earlier version lack. */
    optional: (name: string): string | undefined => outputs[name],
  };
};

/** A deployed stack, found through its CloudFormation outputs, with the caller's AWS credentials. */
export const stackTarget = async (stackName: string): Promise<Target> => {
  const outputs = await stackOutputs(stackName);
  const secretArn = outputs.required('JwtSecretArn');
  return {
    publicBaseUrl: outputs.required('WebhookBaseUrl'),
    webSocketUrl: outputs.required('WebSocketUrl'),
    endpoints: createEndpointStore(documentClient({}), outputs.required('EndpointsTableName')),
    tokenMaxLifetimeSeconds: Number(outputs.optional('TokenMaxLifetimeSeconds') ?? defaultTokenMaxLifetimeSeconds),
    async jwtSecret() {
      const { SecretString } = await new SecretsManagerClient({}).send(new GetSecretValueCommand({ SecretId: secretArn }));
      if (!SecretString) throw new Error(`secret ${secretArn} has no value`);
      return SecretString;
    },
  };
};

export const resolveTarget = (stackName: string | undefined): Promise<Target> =>
  stackName ? stackTarget(stackName) : localTarget();

export const stackQueueTarget = async (stackName: string): Promise<QueueTarget> => {
  const outputs = await stackOutputs(stackName);
  const sqs = new SQSClient({});
  return {
    sqs,
    ingestQueueUrl: outputs.required('IngestQueueUrl'),
    deadLetterQueueUrl: outputs.required('DeadLetterQueueUrl'),
    messages: documentClient({}),
    messagesTable: outputs.required('MessagesTableName'),
    bodies: createBodyStore({ bucket: outputs.required('BodyBucketName') }),
    redrive: 'move-task',
  };
};

export const resolveQueueTarget = (stackName: string | undefined): Promise<QueueTarget> =>
  stackName ? stackQueueTarget(stackName) : localQueueTarget();
