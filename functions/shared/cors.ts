import type { MiddlewareObj } from '@middy/core';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';

/** What a preflight allows, and how long a browser may keep that answer. */
export interface Preflight {
  /** e.g. 'GET, OPTIONS' */
  readonly allowMethods: string;
  /** e.g. 'authorization' */
  readonly allowHeaders: string;
  readonly maxAgeSeconds: number;
}

const allowAnyOrigin = { 'access-control-allow-origin': '*' };

/**
 * CORS for an API whose callers authenticate with a header, never a cookie, so any origin may
 * read its answers (errors included): every answer gets `access-control-allow-origin: *`, and
 * an OPTIONS request gets the preflight answer without reaching the handler.
 *
 * Not @middy/http-cors: it names its headers in capitals and answers a preflight with no body,
 * so the answers would change; and it answers a preflight from `before`, which ends middy's
 * chain. Used inside withHttpMiddleware, that ending skips nothing of the outer stack.
 */
export const corsForAnyOrigin = (preflight: Preflight): MiddlewareObj<APIGatewayProxyEvent, APIGatewayProxyResult> => {
  const withAllowOrigin = (request: { response: APIGatewayProxyResult | null | undefined }) => {
    if (request.response) request.response = { ...request.response, headers: { ...request.response.headers, ...allowAnyOrigin } };
  };
  return {
    before: (request) => {
      if (request.event.httpMethod !== 'OPTIONS') return undefined;
      return {
        statusCode: 204,
        headers: {
          ...allowAnyOrigin,
          'access-control-allow-methods': preflight.allowMethods,
          'access-control-allow-headers': preflight.allowHeaders,
          'access-control-max-age': String(preflight.maxAgeSeconds),
        },
        body: '',
      };
    },
    after: withAllowOrigin,
    onError: withAllowOrigin,
  };
};
