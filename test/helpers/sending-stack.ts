import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { sendKeyOf } from '../../functions/adapters/credential-box.ts';
import { createEndpointStore } from '../../functions/adapters/endpoint-store.ts';
import { createSendQueues } from '../../functions/adapters/send-queue.ts';
import { webhookUrl } from '../../functions/core/ack.ts';
import { messageKey } from '../../functions/core/items.ts';
import { issueToken } from '../../functions/core/tokens.ts';
import { correlationParam } from '../../functions/providers/twilio/status-callback.ts';
import { sendQueueIds, type SendQueueId } from '../../lib/definitions/functions.ts';
import { addEndpoint } from '../../lib/cli/endpoint.ts';
import { setCredentials } from '../../lib/cli/credentials.ts';
import type { Target } from '../../lib/cli/target.ts';
import { localCredentials } from '../../lib/local/aws.ts';
import { startGraphApiStandIn } from '../../lib/local/provider-standins/graph-api.ts';
import { startTwilioApiStandIn, type TwilioStandInMessage } from '../../lib/local/provider-standins/twilio-api.ts';
import { startLocalStack } from '../../lib/local/stack.ts';
import { freePort } from './ports.ts';
import type { SendingWiring } from './sending-dependencies.ts';

/**
 * The local stack in this process, sending through Twilio's and the Graph API's stand-ins that
 * the test holds, so that it can inject their faults and count what they took: the stack's own
 * stand-ins are not reachable from outside it. The stand-ins know a Twilio account by the auth
 * token the test registered it with, as Twilio knows its accounts.
 */

export interface SentAnswer {
  readonly status: number;
  readonly body: Record<string, unknown>;
}

export const startSendingStack = async () => {
  const errors: { source: string; error: unknown }[] = [];
  const authTokens = new Map<string, string>();
  const apiKeys = new Map<string, string>();
  const twilio = await startTwilioApiStandIn({
    authTokenOf: async (accountSid) => authTokens.get(accountSid),
    apiKeySecretOf: async (accountSid, apiKeySid) => apiKeys.get(`${accountSid}/${apiKeySid}`),
  });
  // No test here sends through Meta: its stand-in is only where the stack's Graph API URL points.
  const graph = await startGraphApiStandIn({ webhookOf: async () => undefined });
  const stack = await startLocalStack({
    httpPort: await freePort(),
    wsPort: await freePort(),
    dynamodbPort: await freePort(),
    sqsPort: await freePort(),
    providerApiBaseUrls: { twilioApiBaseUrl: twilio.url, graphApiBaseUrl: graph.url },
    onError: (source, error) => errors.push({ source, error }),
  }).catch(async (error: unknown) => {
    await Promise.all([twilio.stop(), graph.stop()]);
    throw error;
  });
  const { description } = stack;
  const clientConfig = { region: description.region, credentials: localCredentials };
  const dynamodb = new DynamoDBClient({ ...clientConfig, endpoint: description.dynamodbEndpoint });
  const documentClient = DynamoDBDocumentClient.from(dynamodb, { marshallOptions: { removeUndefinedValues: true } });
  const sqs = new SQSClient({ ...clientConfig, endpoint: description.sqsEndpoint });
  // What `switchboard endpoint add` and `endpoint credentials` write to, run in this process.
  const target: Target = {
    publicBaseUrl: description.publicBaseUrl,
    webSocketUrl: description.wsUrl,
    endpoints: createEndpointStore(documentClient, description.tables.Endpoints),
    tokenMaxLifetimeSeconds: 3600,
    jwtSecret: async () => description.jwtSecret,
    sendKey: async () => description.sendKey,
  };

  return {
    description,
    documentClient,
    twilio,
    /** The stack's send queues, as the send API puts records on them. */
    sendQueues: createSendQueues(sqs, Object.fromEntries(sendQueueIds.map((queue) => [queue, description.queues[queue]])) as Record<SendQueueId, string>),

    /** The stack's tables, send key and Twilio stand-in, for a test that drives acceptSend or sendQueued itself, with its own clock and queue. */
    wiring: (own: Pick<SendingWiring, 'now' | 'enqueue'>): SendingWiring => ({
      client: documentClient,
      tables: description.tables,
      sendKey: sendKeyOf(description.sendKey),
      twilioApiBaseUrl: twilio.url,
      // As the stack's sender names them (functions/sender/dependencies.ts): the callbacks reach the stack's webhook route.
      statusCallbackUrl: (endpointId, messageId) => `${webhookUrl(description.publicBaseUrl, 'twilio', endpointId)}?${correlationParam}=${encodeURIComponent(messageId)}`,
      ...own,
    }),

    /** Whatever the stack reported through onError, by source. */
    errors,

    /** A Twilio endpoint of the tenant's with send credentials (a new Twilio account), as the CLI sets one up: its id. */
    /**
     * An endpoint of the tenant's with Twilio send credentials. With `callbacks: false` it sends
     * with an API key and the stand-in is never told the account's auth token, so it signs no
     * status callback: a test about sending alone spares the processor their writes.
     */
    async addTwilioSender(
      tenantId: string,
      { accountSid, authToken, from, callbacks = true }: { accountSid: string; authToken: string; from?: string; callbacks?: boolean },
    ): Promise<string> {
      const { endpointId } = await addEndpoint(target, { provider: 'twilio', tenant: tenantId, secrets: [authToken] });
      const apiKeySid = `SK${accountSid.slice(2)}`;
      const credentials = callbacks
        ? { 'twilio-account-sid': accountSid, 'twilio-auth-token': authToken }
        : { 'twilio-account-sid': accountSid, 'twilio-api-key-sid': apiKeySid, 'twilio-api-key-secret': authToken };
      await setCredentials(target, endpointId, { credentials, env: {}, ...(from && { from }) });
      if (callbacks) authTokens.set(accountSid, authToken);
      else apiKeys.set(`${accountSid}/${apiKeySid}`, authToken);
      return endpointId;
    },

    /** POSTs a send request as the tenant's inbox would, with a token of the tenant's. */
    async post(tenantId: string, path: string, body: unknown, idempotencyKey: string): Promise<SentAnswer> {
      const token = await issueToken(tenantId, description.jwtSecret, 3600);
      const response = await fetch(`${description.httpUrl}${path}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'idempotency-key': idempotencyKey },
        body: JSON.stringify(body),
      });
      return { status: response.status, body: (await response.json()) as Record<string, unknown> };
    },

    /** A message item, read consistently. */
    async message(messageId: string): Promise<Record<string, unknown> | undefined> {
      return (await documentClient.send(new GetCommand({ TableName: description.tables.Messages, Key: messageKey(messageId), ConsistentRead: true }))).Item;
    },

    /** Records a send queue holds: waiting, in flight or delayed. */
    async sendQueueDepth(queue: SendQueueId): Promise<number> {
      const { Attributes = {} } = await sqs.send(
        new GetQueueAttributesCommand({
          QueueUrl: description.queues[queue],
          AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible', 'ApproximateNumberOfMessagesDelayed'],
        }),
      );
      return Object.values(Attributes).reduce((total, count) => total + Number(count), 0);
    },

    async stop(): Promise<void> {
      await stack.stop();
      await Promise.all([twilio.stop(), graph.stop()]);
      sqs.destroy();
      dynamodb.destroy();
    },
  };
};

export type SendingStack = Awaited<ReturnType<typeof startSendingStack>>;

/** Our message id a stand-in message carries back in its StatusCallback URL, as the sender put it there. */
export const ourIdOf = (message: Pick<TwilioStandInMessage, 'statusCallback'>): string | undefined =>
  message.statusCallback === undefined ? undefined : (new URL(message.statusCallback).searchParams.get(correlationParam) ?? undefined);

/** How many times the stand-in took each of our messages. */
export const takenCounts = (messages: readonly TwilioStandInMessage[]): Map<string, number> => {
  const counts = new Map<string, number>();
  for (const message of messages) {
    const id = ourIdOf(message);
    if (id !== undefined) counts.set(id, (counts.get(id) ?? 0) + 1);
  }
  return counts;
};
