import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { HttpError } from '../core/errors.ts';
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

export const json = (statusCode: number, body: unknown, headers: Record<string, string> = {}): APIGatewayProxyResult => ({
  statusCode,
  headers: { 'content-type': 'application/json', ...headers },
  body: JSON.stringify(body),
});

/**
 * The one place that decides what a caller sees of a failure: an HttpError's own message, or
 * a generic 500 with the details only in the log. Never a stack trace.
 */
export const errorResponse = (error: unknown): APIGatewayProxyResult => {
  if (error instanceof HttpError) {
    if (error.statusCode >= 500) logger.error(error.message, { error: error.cause ?? error });
    return json(error.statusCode, { error: error.message }, error.headers);
  }
  logger.error('unhandled error', { error });
  return json(500, { error: 'internal error' });
};
