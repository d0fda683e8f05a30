import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SQSClient } from '@aws-sdk/client-sqs';
import { createBodyStore } from '../../functions/adapters/body-store.ts';
import { createEndpointStore } from '../../functions/adapters/endpoint-store.ts';
import { defaultTokenMaxLifetimeSeconds } from '../../functions/core/tokens.ts';
import { capitalized } from '../constructs/names.ts';
import { sendQueues } from '../definitions/pipeline.ts';
import { documentClient, type QueueTarget, type SendingTarget, type Target } from './target.ts';

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
  const secretValue = async (arn: string): Promise<string> => {
    const { SecretString } = await new SecretsManagerClient({}).send(new GetSecretValueCommand({ SecretId: arn }));
    if (!SecretString) throw new Error(`secret ${arn} has no value`);
    return SecretString;
  };
  return {
    publicBaseUrl: outputs.required('WebhookBaseUrl'),
    webSocketUrl: outputs.required('WebSocketUrl'),
    endpoints: createEndpointStore(documentClient({}), outputs.required('EndpointsTableName')),
    tokenMaxLifetimeSeconds: Number(outputs.optional('TokenMaxLifetimeSeconds') ?? defaultTokenMaxLifetimeSeconds),
    jwtSecret: () => secretValue(secretArn),
    // Asked for only when used: a stack deployed before sending has no such output.
    sendKey: () => secretValue(outputs.required('SendKeySecretArn')),
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

export const stackSendingTarget = async (stackName: string): Promise<SendingTarget> => {
  const outputs = await stackOutputs(stackName);
  return {
    sqs: new SQSClient({}),
    // The stack's output names (lib/switchboard-stack.ts): `<QueueId>QueueUrl`.
    queueUrls: Object.fromEntries(
      sendQueues.flatMap(({ queue, deadLetter }) => [queue, deadLetter].map((id) => [id, outputs.required(`${capitalized(id)}QueueUrl`)])),
    ) as SendingTarget['queueUrls'],
    messages: documentClient({}),
    messagesTable: outputs.required('MessagesTableName'),
    sendingTable: outputs.required('SendingTableName'),
  };
};
