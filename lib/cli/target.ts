import { DynamoDBClient, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { BodyStore } from '../../functions/adapters/body-store.ts';
import type { EndpointStore } from '../../functions/adapters/endpoint-store.ts';
import type { SendQueueId } from '../definitions/functions.ts';

/** The Switchboard a command talks to: the local stack, or a deployed one. */
export interface Target {
  readonly publicBaseUrl: string;
  readonly webSocketUrl: string;
  readonly endpoints: EndpointStore;
  /** The longest-lived token the stack's functions accept (its tokenMaxLifetimeSeconds). */
  readonly tokenMaxLifetimeSeconds: number;
  jwtSecret(): Promise<string>;
  /** The key send credentials are encrypted with (the stack's sendKey secret). */
  sendKey(): Promise<string>;
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

/**
 * What the outbox commands (list, retry) reach: the messages table (outbound messages through
 * its outbox index), the sending table, and each send queue and its DLQ.
 */
export interface SendingTarget {
  readonly sqs: SQSClient;
  readonly queueUrls: Readonly<Record<SendQueueId | `${SendQueueId}DeadLetter`, string>>;
  readonly messages: DynamoDBDocumentClient;
  readonly messagesTable: string;
  readonly sendingTable: string;
}

export type RedriveStrategy = 'move-task' | 'message-by-message';

export const documentClient = (config: DynamoDBClientConfig) =>
  DynamoDBDocumentClient.from(new DynamoDBClient(config), { marshallOptions: { removeUndefinedValues: true } });

// Each kind of target is loaded only when asked for: a deployed stack's clients (CloudFormation,
// Secrets Manager) are of no use against npm start, and loading them slows every command down.
export const resolveTarget = async (stackName: string | undefined): Promise<Target> =>
  stackName ? (await import('./stack-target.ts')).stackTarget(stackName) : (await import('./local-target.ts')).localTarget();

export const resolveQueueTarget = async (stackName: string | undefined): Promise<QueueTarget> =>
  stackName ? (await import('./stack-target.ts')).stackQueueTarget(stackName) : (await import('./local-target.ts')).localQueueTarget();

export const resolveSendingTarget = async (stackName: string | undefined): Promise<SendingTarget> =>
  stackName ? (await import('./stack-target.ts')).stackSendingTarget(stackName) : (await import('./local-target.ts')).localSendingTarget();
