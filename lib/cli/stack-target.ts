import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SQSClient } from '@aws-sdk/client-sqs';
import { createBodyStore } from '../../functions/adapters/body-store.ts';
import { createEndpointStore } from '../../functions/adapters/endpoint-store.ts';
import { defaultTokenMaxLifetimeSeconds } from '../../functions/core/tokens.ts';
import { documentClient, type QueueTarget, type Target } from './target.ts';

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
