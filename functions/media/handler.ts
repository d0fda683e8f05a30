import { getSecret } from '@aws-lambda-powertools/parameters/secrets';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { NoSuchKey } from '@aws-sdk/client-s3';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import { createHash } from 'node:crypto';
import { fileTypeFromBuffer } from 'file-type';
import { dynamoDocumentClient, s3 } from '../adapters/clients.ts';
import { openCredentials, sendKeyOf } from '../adapters/credential-box.ts';
import { cachedLookup, createEndpointStore } from '../adapters/endpoint-store.ts';
import { createMediaFetcher, downloaderFor, loopbackOriginsAmong } from '../adapters/media-fetch.ts';
import { mediaFilesOn, settleMediaOn } from '../adapters/media-writer.ts';
import { bodyStoreOn } from '../adapters/body-store.ts';
import { envelopeOf, rawBody } from '../core/envelope.ts';
import { keepPendingMedia, MediaUnavailable, type KeepFileDependencies, type MediaLimits, type MediaSource, type PendingMessage } from '../core/media.ts';
import { archiveKeyFor } from '../core/queued-request.ts';
import { attachmentsInRequest, matchingAttachment } from './email-attachments.ts';
import { logger } from '../shared/powertools.ts';
import { configOf } from '../shared/config.ts';
import { withMiddleware } from '../shared/middleware.ts';
import { traced, tracer } from '../shared/tracing.ts';

const config = configOf('media');
const limits: MediaLimits = {
  maxBytes: config.MEDIA_MAX_BYTES,
  allowedTypes: config.MEDIA_ALLOWED_TYPES,
  timeoutMs: config.MEDIA_FETCH_TIMEOUT_SECONDS * 1000,
  attempts: config.MEDIA_FETCH_ATTEMPTS,
};
/** Files fetched at once across a batch: enough to hide a slow CDN, few enough to hold 25 MB each in memory. */
const fetchConcurrency = 8;
/** A rotated send key reaches every warm instance within this long (as the sender's). */
const sendKeyMaxAgeSeconds = 300;

/**
 * Loopback is opened only to the providers' APIs configured on a loopback address: the local
 * stack's stand-ins. A deployed stack's are https:// names (lib/config.ts), so nothing is.
 */
const loopbackOrigins = loopbackOriginsAmong([config.GRAPH_API_BASE_URL, config.TWILIO_API_BASE_URL]);
const { fetchFile } = createMediaFetcher({ limits, loopbackOrigins });
const findEndpoint = cachedLookup(createEndpointStore(dynamoDocumentClient(traced), config.ENDPOINTS_TABLE).get, { ttlMs: 60_000, missTtlMs: 5_000 });
const files = mediaFilesOn(s3(traced), config.BODY_BUCKET);
const bodies = bodyStoreOn(s3(traced), config.BODY_BUCKET);
const settle = settleMediaOn(dynamoDocumentClient(traced), config.MESSAGES_TABLE);
const sendKey = async (): Promise<Buffer> => sendKeyOf(String(await getSecret(config.SEND_KEY_ARN, { maxAge: sendKeyMaxAgeSeconds })));

const sniff = async (bytes: Buffer) => (await fileTypeFromBuffer(bytes))?.mime;
const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

/**
 * The attachments of the request a message was stored from, as the processor archived it
 * (functions/core/queued-request.ts), its body from the body store when it was too large to queue.
 */
const attachmentsOf = async (message: PendingMessage) => {
  let archived: Buffer;
  try {
    archived = await bodies.get(archiveKeyFor({ receivedAt: message.receivedAt, requestId: message.source.requestId }));
  } catch (error) {
    if (error instanceof Error && error.cause instanceof NoSuchKey) throw new MediaUnavailable('missing', 'the request is no longer archived');
    throw error;
  }
  const envelope = envelopeOf(archived.toString('utf8'));
  if (!envelope) throw new MediaUnavailable('missing', 'the archived request is not an envelope');
  return attachmentsInRequest(envelope.provider, envelope.headers['content-type'], await rawBody(envelope, bodies.get));
};

/**
 * How a message's files are had: a provider's with its endpoint's credentials, when it has send
 * credentials (WhatsApp media needs them, Twilio's when media auth is on); an email's from its
 * request, read once for all of them.
 */
const dependenciesFor = async (message: PendingMessage): Promise<KeepFileDependencies> => {
  const endpoint = await findEndpoint(message.source.endpointId);
  const credentials = endpoint?.sending ? openCredentials(await sendKey(), endpoint.endpointId, endpoint.sending.sealedCredentials) : undefined;
  const fromProvider = downloaderFor(fetchFile, { graphApiBaseUrl: config.GRAPH_API_BASE_URL, twilioApiBaseUrl: config.TWILIO_API_BASE_URL, ...(credentials && { credentials }) });
  let attachments: ReturnType<typeof attachmentsOf> | undefined;
  const taken = new Set<number>();
  const download = async (source: MediaSource) =>
    source.kind === 'attachment' ? matchingAttachment(await (attachments ??= attachmentsOf(message)), source, taken) : fromProvider(source);
  return { download, sniff, sha256, put: files.put };
};

const pendingMessageOf = (image: Record<string, AttributeValue> | undefined): PendingMessage | undefined => {
  const item = image && unmarshall(image);
  return item?.entity === 'message' && item.mediaPending === true && typeof item.tenantId === 'string' ? (item as PendingMessage) : undefined;
};

/**
 * Messages table stream (messages stored with `mediaPending`) → each pending file fetched,
 * checked and put under its tenant in the body bucket → the message's media settled in one
 * conditional update, which the broadcaster turns into `message.updated`. A file that cannot
 * be had is settled `failed` with its reason; only a failure of ours (S3, DynamoDB) fails the
 * record, which the stream retries.
 */
export const handler = withMiddleware(async (event: DynamoDBStreamEvent): Promise<DynamoDBBatchResponse> => {
  const records = event.Records.flatMap((record) => {
    const message = pendingMessageOf(record.dynamodb?.NewImage as Record<string, AttributeValue> | undefined);
    return message ? [{ message, sequenceNumber: record.dynamodb?.SequenceNumber ?? '' }] : [];
  });
  const outcomes = await keepPendingMedia(
    records.map(({ message }) => message),
    limits,
    fetchConcurrency,
    dependenciesFor,
  );
  const now = new Date().toISOString();
  const settled = await Promise.allSettled(
    outcomes.map(async (outcome, index) => {
      if (outcome.status === 'rejected') throw outcome.reason;
      const { message } = records[index] as (typeof records)[number];
      for (const item of outcome.value) if (item.state === 'failed') logger.warn('media not kept', { messageId: message.id, tenantId: message.tenantId, failure: item.failure });
      return settle(message, outcome.value, now);
    }),
  );
  const firstFailed = settled.findIndex((outcome) => outcome.status === 'rejected');
  if (firstFailed >= 0) logger.error('media settling failed', { error: String((settled[firstFailed] as PromiseRejectedResult).reason) });
  return { batchItemFailures: firstFailed < 0 ? [] : [{ itemIdentifier: (records[firstFailed] as (typeof records)[number]).sequenceNumber }] };
}, tracer);
