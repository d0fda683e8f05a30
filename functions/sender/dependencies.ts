import { getSecret } from '@aws-lambda-powertools/parameters/secrets';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { dynamoDocumentClient, s3, sqs } from '../adapters/clients.ts';
import { openCredentials, sendKeyOf } from '../adapters/credential-box.ts';
import { createEndpointStore } from '../adapters/endpoint-store.ts';
import { mediaStoreBeside } from '../adapters/media-store.ts';
import { createOutboxStore } from '../adapters/outbox-store.ts';
import { createRateStore } from '../adapters/rate-store.ts';
import { createSendQueues } from '../adapters/send-queue.ts';
import { uploadObjectsOn } from '../adapters/upload-store.ts';
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
 * How long a provider may fetch an uploaded file through its signed link: Twilio fetches a
 * MediaUrl when the message is created and Meta a `link` when it sends, both within seconds;
 * an hour covers their own retries, and every attempt of ours signs a new link, so none has to
 * outlive a backoff. Short enough that a link seen in a provider's logs soon stops working.
 */
const mediaLinkSeconds = 3600;

/**
 * The sender's and the reconciler's AWS side, from their configuration (the two share a
 * definition's variables, but for the sender's stats table): the stores, the queues, the send
 * key and the providers' clients.
 */
export const senderDependencies = (config: Omit<ConfigOf<'sender'>, 'STATS_TABLE'>) => {
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
  const bucketClient = s3(traced);
  const mediaStore = mediaStoreBeside(bucketClient, config.BODY_BUCKET);
  const uploadObjects = uploadObjectsOn(bucketClient, config.BODY_BUCKET);

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
    // Served inline under its own name and type: Twilio checks the Content-Type and shows the name from Content-Disposition.
    mediaLink: async (upload) => (await mediaStore.presignGet(upload.storedKey, mediaLinkSeconds, { contentType: upload.contentType, filename: upload.filename, inline: true })).url,
    mediaBytes: uploadObjects.bytes,
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
