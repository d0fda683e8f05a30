import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { DynamoDBClient, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createEndpointStore, type EndpointStore } from '../../functions/adapters/endpoint-store.ts';
import { localCredentials } from '../local/aws.ts';
import { readStateFile, stateFilePath } from '../local/state-file.ts';

/** The Switchboard a command talks to: the local stack, or a deployed one. */
export interface Target {
  readonly publicBaseUrl: string;
  readonly webSocketUrl: string;
  readonly endpoints: EndpointStore;
  jwtSecret(): Promise<string>;
}

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
    jwtSecret: async () => state.jwtSecret,
  };
};

/** A deployed stack, found through its CloudFormation outputs, with the caller's AWS credentials. */
export const stackTarget = async (stackName: string): Promise<Target> => {
  const { Stacks } = await new CloudFormationClient({}).send(new DescribeStacksCommand({ StackName: stackName }));
  const outputs = Object.fromEntries((Stacks?.[0]?.Outputs ?? []).map((output) => [output.OutputKey, output.OutputValue]));
  const output = (name: string): string => {
    const value = outputs[name];
    if (!value) throw new Error(`stack ${stackName} has no output ${name}: is it a Switchboard stack, deployed with this version?`);
    return value;
  };
  const secretArn = output('JwtSecretArn');
  return {
    publicBaseUrl: output('WebhookBaseUrl'),
    webSocketUrl: output('WebSocketUrl'),
    endpoints: createEndpointStore(documentClient({}), output('EndpointsTableName')),
    async jwtSecret() {
      const { SecretString } = await new SecretsManagerClient({}).send(new GetSecretValueCommand({ SecretId: secretArn }));
      if (!SecretString) throw new Error(`secret ${secretArn} has no value`);
      return SecretString;
    },
  };
};

export const resolveTarget = (stackName: string | undefined): Promise<Target> =>
  stackName ? stackTarget(stackName) : localTarget();
