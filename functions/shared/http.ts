import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import type { InboundWebhook } from '../core/ack.ts';
import { Refused, Unavailable, type RefusalReason } from '../core/errors.ts';
import { logger } from './powertools.ts';

/** Header names lower-cased; HTTP header names are case-insensitive and providers vary. */
export const headersOf = (event: Pick<APIGatewayProxyEvent, 'headers'>): Record<string, string> =>
  Object.fromEntries(
    Object.entries(event.headers ?? {}).flatMap(([name, value]) => (value === undefined ? [] : [[name.toLowerCase(), value]])),
  );

/**
 * The exact request bytes. The REST API is configured to pass every body through as binary,
 * so API Gateway hands it over base64-encoded and nothing re-encodes what was signed.
 */
export const bodyOf = (event: Pick<APIGatewayProxyEvent, 'body' | 'isBase64Encoded'>): Buffer =>
  Buffer.from(event.body ?? '', event.isBase64Encoded ? 'base64' : 'utf8');

/**
 * The query string as the caller sent it. REST events carry only decoded parameters, so it is
 * rebuilt in received order with standard encoding; a provider that signs an unusual encoding
 * of its query needs the query left out of the webhook URL.
 */
export const searchOf = (event: Pick<APIGatewayProxyEvent, 'multiValueQueryStringParameters'>): string => {
  const params = new URLSearchParams();
  for (const [name, values] of Object.entries(event.multiValueQueryStringParameters ?? {})) {
    for (const value of values ?? []) params.append(name, value);
  }
  const search = params.toString();
  return search === '' ? '' : `?${search}`;
};

/** The webhook a REST proxy event carries, for the provider named (a registered name, or one no endpoint has). */
export const webhookOf = (event: APIGatewayProxyEvent, provider: string): InboundWebhook => ({
  provider,
  endpointId: event.pathParameters?.endpointId ?? '',
  search: searchOf(event),
  headers: headersOf(event),
  body: bodyOf(event),
  requestId: event.requestContext.requestId,
});

export const json = (statusCode: number, body: unknown, headers: Record<string, string> = {}): APIGatewayProxyResult => ({
  statusCode,
  headers: { 'content-type': 'application/json', ...headers },
  body: JSON.stringify(body),
});

/** A failure the core names: the caller is told what it is and what to do. */
export type DomainFailure = Refused | Unavailable;

export const isDomainFailure = (error: unknown): error is DomainFailure => error instanceof Refused || error instanceof Unavailable;

const refusalStatus: Readonly<Record<RefusalReason, number>> = {
  bad_request: 400,
  signature: 401,
  unauthenticated: 401,
  forbidden: 403,
  // Unless the caller's protocol wants its own (the provider's edge says: Mailgun's 406).
  replayed: 401,
  unknown_endpoint: 404,
  not_found: 404,
  too_large: 413,
  // The request is right, the conversation cannot take it now: a person must act first.
  window_closed: 409,
  recipient_opted_out: 409,
  no_send_credentials: 409,
  idempotency_key_reused: 422,
};

/**
 * Why a request failed, as a metric dimension: a fixed set, whatever the caller sent. Whatever
 * the ack could not reach (the queue, the body store, the replay check) is `queue_unavailable`:
 * the provider sees the same 503 and retries alike.
 */
export const failureReason = (failure: DomainFailure): string => (failure instanceof Refused ? failure.reason : 'queue_unavailable');

/** `replayStatus`: the status the caller's protocol wants for a replay (ProviderEdge.replayStatus). */
export const failureStatus = (failure: DomainFailure, replayStatus?: number): number => {
  if (failure instanceof Unavailable) return 503;
  return failure.reason === 'replayed' ? (replayStatus ?? refusalStatus.replayed) : refusalStatus[failure.reason];
};

const failureHeaders = (failure: DomainFailure): Record<string, string> => {
  if (failure instanceof Unavailable) return { 'retry-after': String(failure.retryAfterSeconds) };
  return failure.reason === 'unauthenticated' ? { 'www-authenticate': 'Bearer' } : {};
};

/**
 * The one place that decides what a caller sees of a failure: a domain failure's own message,
 * or a generic 500 with the details only in the log. Never a stack trace.
 */
export const errorResponse = (error: unknown, replayStatus?: number): APIGatewayProxyResult => {
  if (!isDomainFailure(error)) {
    logger.error('unhandled error', { error });
    return json(500, { error: 'internal error' });
  }
  if (error instanceof Unavailable) logger.error(error.message, { error: error.cause ?? error });
  const body = error instanceof Refused ? { error: error.message, reason: error.reason, ...error.details } : { error: error.message };
  return json(failureStatus(error, replayStatus), body, failureHeaders(error));
};
