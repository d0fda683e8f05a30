import { getSecret } from '@aws-lambda-powertools/parameters/secrets';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { dynamoDocumentClient, sqs } from '../adapters/clients.ts';
import { openCredentials, sendKeyOf } from '../adapters/credential-box.ts';
import { createEndpointStore } from '../adapters/endpoint-store.ts';
import { createOutboxStore } from '../adapters/outbox-store.ts';
import { createRateStore } from '../adapters/rate-store.ts';
import { createSendQueues } from '../adapters/send-queue.ts';
import type { Endpoint } from '../core/endpoint.ts';
import { sendTimings, type SenderDependencies } from '../core/send.ts';
import type { OutboundMessage } from '../core/sending-items.ts';
import { correlationParam } from '../providers/twilio/status-callback.ts';
import { loadSender } from '../providers/senders.ts';
import type { ConfigOf } from '../shared/config.ts';
import { traced } from '../shared/tracing.ts';
import { sendObserved } from './telemetry.ts';

/** A rotated send key reaches every warm sender within this long. */
const sendKeyMaxAgeSeconds = 300;

/**
 * The sender's and the reconciler's AWS side, from their configuration (the two share a
 * definition's variables): the stores, the queues, the send key and the providers' clients.
 */
export const senderDependencies = (config: ConfigOf<'sender'>) => {
  const client = dynamoDocumentClient(traced);
  const outbox = createOutboxStore(client, { messages: config.MESSAGES_TABLE, sending: config.SENDING_TABLE });
  const rates = createRateStore(client, config.SENDING_TABLE);
  const endpoints = createEndpointStore(client, config.ENDPOINTS_TABLE);
  const queues = createSendQueues(sqs(traced), {
    sendSms: config.SEND_SMS_QUEUE_URL,
    sendWhatsapp: config.SEND_WHATSAPP_QUEUE_URL,
    sendMessenger: config.SEND_MESSENGER_QUEUE_URL,
    sendEmail: config.SEND_EMAIL_QUEUE_URL,
  });
  const baseUrls = {
    twilioApiBaseUrl: config.TWILIO_API_BASE_URL,
    graphApiBaseUrl: config.GRAPH_API_BASE_URL,
    sendgridApiBaseUrl: config.SENDGRID_API_BASE_URL,
    mailgunApiBaseUrl: config.MAILGUN_API_BASE_URL,
    androidGatewayApiBaseUrl: config.ANDROID_GATEWAY_API_BASE_URL,
  };
  const sendKey = async (): Promise<Buffer> => sendKeyOf(String(await getSecret(config.SEND_KEY_ARN, { maxAge: sendKeyMaxAgeSeconds })));
  const webhookBase = config.PUBLIC_BASE_URL.replace(/\/+$/, '');

  const dependencies: SenderDependencies = {
    claim: outbox.claim,
    settle: outbox.settle,
    abandonClaim: outbox.abandonClaim,
    endpoint: (endpointId) => endpoints.get(endpointId),
    openCredentials: async (endpoint: Endpoint) => openCredentials(await sendKey(), endpoint.endpointId, endpoint.sending?.sealedCredentials ?? ''),
    sender: (provider) => loadSender(provider, baseUrls),
    reserve: rates.reserve,
    slowDown: rates.slowDown,
    requeue: (message, delaySeconds) => queues.enqueue(message, delaySeconds),
    pauseEndpoint: (endpointId, reason, now) => endpoints.pauseSending(endpointId, reason, now.toISOString()),
    optOut: outbox.optOut,
    // The endpoint's own webhook URL, which Twilio signs whole: the id it carries back is authenticated with the rest.
    statusCallbackUrl: (endpoint, messageId) => `${webhookBase}/webhooks/${endpoint.provider}/${endpoint.endpointId}?${correlationParam}=${encodeURIComponent(messageId)}`,
    now: () => new Date(),
    sleep: (milliseconds) => sleep(milliseconds),
    newClaimId: randomUUID,
    observe: sendObserved,
  };
  /** Where the provider says a sent message is, asked with its endpoint's credentials; undefined where it cannot tell. */
  const providerStatus = async (message: OutboundMessage) => {
    const endpoint = await endpoints.get(message.source.endpointId);
    const sender = endpoint && (await dependencies.sender(endpoint.provider));
    if (!endpoint?.sending || !sender?.status || message.providerMessageId === undefined) return undefined;
    return sender.status(message.providerMessageId, await dependencies.openCredentials(endpoint), AbortSignal.timeout(sendTimings.callTimeoutMs));
  };
  return { dependencies, outbox, queues, providerStatus };
};
