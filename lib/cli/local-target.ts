import { createEndpointStore } from '../../functions/adapters/endpoint-store.ts';
import { defaultTokenMaxLifetimeSeconds } from '../../functions/core/tokens.ts';
import { localCredentials } from '../local/aws.ts';
import { readStateFile, stateFilePath } from '../local/state-file.ts';
import { sendQueues } from '../definitions/pipeline.ts';
import { documentClient, type QueueTarget, type SendingTarget, type Target } from './target.ts';

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
    sendKey: async () => state.sendKey,
  };
};

/** The same stack's queues, table and bucket; their clients load here, which the other commands need not wait for. */
export const localQueueTarget = async (): Promise<QueueTarget> => {
  const [state, { SQSClient }, { createBodyStore }] = await Promise.all([
    readStateFile(stateFilePath()),
    import('@aws-sdk/client-sqs'),
    import('../../functions/adapters/body-store.ts'),
  ]);
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

/** The same stack's send queues, messages and sending tables. */
export const localSendingTarget = async (): Promise<SendingTarget> => {
  const [state, { SQSClient }] = await Promise.all([readStateFile(stateFilePath()), import('@aws-sdk/client-sqs')]);
  const config = { region: state.region, credentials: localCredentials };
  return {
    sqs: new SQSClient({ ...config, endpoint: state.sqsEndpoint }),
    queueUrls: Object.fromEntries(sendQueues.flatMap(({ queue, deadLetter }) => [queue, deadLetter].map((id) => [id, state.queues[id]]))) as SendingTarget['queueUrls'],
    messages: documentClient({ ...config, endpoint: state.dynamodbEndpoint }),
    messagesTable: state.tables.Messages,
    sendingTable: state.tables.Sending,
  };
};
