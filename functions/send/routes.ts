import type { Route } from '@middy/http-router';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { acceptSend, type AcceptDependencies, type SendTarget } from '../core/accept.ts';
import { Refused } from '../core/errors.ts';
import { requestUpload, type UploadDependencies } from '../core/uploads.ts';
import type { TenantContext } from '../shared/bearer-auth.ts';
import { headersOf, json } from '../shared/http.ts';

type SendRoute = Route<APIGatewayProxyEvent, APIGatewayProxyResult>;

/** Answers name a tenant's message: no cache may keep them. */
const privateHeaders = { 'cache-control': 'private, no-store' };

const jsonBody = (event: APIGatewayProxyEvent): unknown => {
  const text = Buffer.from(event.body ?? '', event.isBase64Encoded ? 'base64' : 'utf8').toString('utf8');
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new Refused('bad_request', 'the body must be a JSON object: {"text": "…"}');
  }
};

const waitOf = (event: APIGatewayProxyEvent): number | undefined => {
  const wait = event.queryStringParameters?.wait;
  if (wait === undefined) return undefined;
  if (!/^\d{1,2}$/.test(wait)) throw new Refused('bad_request', 'wait must be a whole number of seconds from 0 to 10');
  return Number(wait);
};

const route = (path: string, targetOf: (event: APIGatewayProxyEvent) => SendTarget, deps: AcceptDependencies): SendRoute => ({
  method: 'POST',
  path,
  handler: (async (event: APIGatewayProxyEvent, context: TenantContext) => {
    const answer = await acceptSend(
      {
        tenantId: context.tenantId,
        target: targetOf(event),
        idempotencyKey: headersOf(event)['idempotency-key'],
        body: jsonBody(event),
        waitSeconds: waitOf(event),
        requestId: event.requestContext.requestId,
      },
      deps,
    );
    return json(answer.statusCode, answer.body, privateHeaders);
  }) as SendRoute['handler'],
});

/** POST /conversations/{id}/messages (a reply) and POST /messages (a first message), for the caller's tenant only. */
export const sendRoutes = (deps: AcceptDependencies): SendRoute[] => [
  route('/conversations/{id}/messages', (event) => ({ conversationId: event.pathParameters?.id ?? '' }), deps),
  route('/messages', () => ({ firstMessage: true }), deps),
];

/** POST /media: a signed upload URL for one file of the caller's tenant, to send by its mediaId. */
export const uploadRoute = (deps: UploadDependencies): SendRoute => ({
  method: 'POST',
  path: '/media',
  handler: (async (event: APIGatewayProxyEvent, context: TenantContext) => {
    const answer = await requestUpload(context.tenantId, jsonBody(event), deps);
    return json(answer.statusCode, answer.body, privateHeaders);
  }) as SendRoute['handler'],
});
