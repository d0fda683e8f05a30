import type { MiddlewareObj } from '@middy/core';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { Refused, Unavailable } from '../../../functions/core/errors.ts';
import { answerFailures } from '../../../functions/shared/answer-failures.ts';
import { bearerGrant, bearerTenant, type GrantContext, type TenantContext } from '../../../functions/shared/bearer-auth.ts';
import { corsForAnyOrigin } from '../../../functions/shared/cors.ts';
import { withHttpMiddleware } from '../../../functions/shared/middleware.ts';
import { lambdaContext } from '../../../lib/local/lambda-context.ts';
import { lambdaEvent } from '../../helpers/events.ts';

/** The HTTP middlewares as the query and ack handlers stack them, around handlers that answer or throw. */

const request = (method: string, headers: Record<string, string> = {}): APIGatewayProxyEvent => ({
  ...lambdaEvent<APIGatewayProxyEvent>('ack-twilio.json'),
  httpMethod: method,
  headers,
  multiValueHeaders: {},
});

const cors = corsForAnyOrigin({ allowMethods: 'GET, OPTIONS', allowHeaders: 'authorization', maxAgeSeconds: 7200 });
const verify = async (token: string) => (token === 'acme-token' ? 'acme' : undefined);
const answered = (body: string): APIGatewayProxyResult => ({ statusCode: 200, headers: { 'content-type': 'application/json' }, body });

/** A middleware that sees what the stack inside it hands on: an answer, or an error. */
const outerWitness = () => {
  const seen: string[] = [];
  const witness: MiddlewareObj = { after: () => void seen.push('answer'), onError: () => void seen.push('error') };
  return { seen, witness };
};

describe('answerFailures', () => {
  it('answers a refusal with its status and message, telling onFailure its reason first', async () => {
    const told: unknown[] = [];
    const handler = withHttpMiddleware(
      async (): Promise<APIGatewayProxyResult> => {
        throw new Refused('replayed', 'this request was already received (replayed token)');
      },
      [answerFailures({ replayStatusOf: () => 406, onFailure: (_event, failure) => void told.push(failure) })],
    );

    const response = await handler(request('POST'), lambdaContext('ack'));

    expect(response).toEqual({ statusCode: 406, headers: { 'content-type': 'application/json' }, body: '{"error":"this request was already received (replayed token)","reason":"replayed"}' });
    expect(told).toEqual([{ reason: 'replayed', statusCode: 406 }]);
  });

  it('counts every unavailability as queue_unavailable, with its Retry-After', async () => {
    const told: unknown[] = [];
    const handler = withHttpMiddleware(
      async (): Promise<APIGatewayProxyResult> => {
        throw new Unavailable('replay_check', 'replay check unavailable, retry later', 30);
      },
      [answerFailures({ onFailure: (_event, failure) => void told.push(failure) })],
    );

    const response = await handler(request('POST'), lambdaContext('ack'));

    expect(response).toMatchObject({ statusCode: 503, headers: { 'retry-after': '30' } });
    expect(told).toEqual([{ reason: 'queue_unavailable', statusCode: 503 }]);
  });

  it('answers anything else with a generic 500, and tells onFailure nothing', async () => {
    const told: unknown[] = [];
    const handler = withHttpMiddleware(
      async (): Promise<APIGatewayProxyResult> => {
        throw new Error('connect ECONNREFUSED 10.0.0.12:443');
      },
      [answerFailures({ onFailure: (_event, failure) => void told.push(failure) })],
    );

    const response = await handler(request('GET'), lambdaContext('query'));

    expect(response).toEqual({ statusCode: 500, headers: { 'content-type': 'application/json' }, body: '{"error":"internal error"}' });
    expect(told).toEqual([]);
  });

  it('hands the stack outside it an answer, never the error it answered', async () => {
    const { seen, witness } = outerWitness();
    const inner = withHttpMiddleware(async (): Promise<APIGatewayProxyResult> => {
      throw new Refused('not_found', 'no such conversation');
    }, [answerFailures()]);
    const handler = withHttpMiddleware(inner, [witness as MiddlewareObj<APIGatewayProxyEvent, APIGatewayProxyResult>]);

    const response = await handler(request('GET'), lambdaContext('query'));

    expect(response.statusCode).toBe(404);
    expect(seen).toEqual(['answer']);
  });
});

describe('bearerTenant', () => {
  const echoTenant = async (_event: APIGatewayProxyEvent, context: TenantContext) => answered(JSON.stringify({ tenantId: context.tenantId }));
  const handler = withHttpMiddleware(echoTenant, [answerFailures(), bearerTenant(verify)]);

  it("hands the handler the tenant of the caller's token", async () => {
    const response = await handler(request('GET', { Authorization: 'Bearer acme-token' }), lambdaContext('query'));

    expect(JSON.parse(response.body)).toEqual({ tenantId: 'acme' });
  });

  it.each([
    ['no Authorization', {}],
    ['another scheme', { Authorization: 'Basic YWNtZTpzZWNyZXQ=' }],
    ['a token it does not accept', { authorization: 'Bearer forged-token' }],
  ])('refuses %s with 401 and asks for a bearer token, before the handler runs', async (_case, headers) => {
    const response = await handler(request('GET', headers), lambdaContext('query'));

    expect(response).toEqual({
      statusCode: 401,
      headers: { 'content-type': 'application/json', 'www-authenticate': 'Bearer' },
      body: '{"error":"a valid token is required: Authorization: Bearer <JWT>","reason":"unauthenticated"}',
    });
  });
});

describe('bearerGrant', () => {
  const grants = async (token: string) => ({ 'acme-token': { tenantId: 'acme', admin: false }, 'ops-token': { tenantId: 'ops', admin: true } })[token];
  const echoGrant = async (_event: APIGatewayProxyEvent, context: GrantContext) => answered(JSON.stringify({ tenantId: context.tenantId, admin: context.admin }));
  const handler = withHttpMiddleware(echoGrant, [answerFailures(), bearerGrant(grants)]);

  it.each([
    ['a tenant', 'acme-token', { tenantId: 'acme', admin: false }],
    ['an admin', 'ops-token', { tenantId: 'ops', admin: true }],
  ])("hands the handler the tenant of %s's token and whether it is an admin's", async (_case, token, grant) => {
    const response = await handler(request('GET', { Authorization: `Bearer ${token}` }), lambdaContext('query'));

    expect(JSON.parse(response.body)).toEqual(grant);
  });

  it('refuses a token it does not accept with 401, before the handler runs', async () => {
    const response = await handler(request('GET', { Authorization: 'Bearer forged-token' }), lambdaContext('query'));

    expect(response.statusCode).toBe(401);
    expect(JSON.parse(response.body)).toEqual({ error: 'a valid token is required: Authorization: Bearer <JWT>', reason: 'unauthenticated' });
  });
});

describe('corsForAnyOrigin', () => {
  let handled = 0;
  const handler = withHttpMiddleware(
    async (event: APIGatewayProxyEvent) => {
      handled += 1;
      if (event.path === '/missing') throw new Refused('not_found', 'no such route');
      return answered('{}');
    },
    [cors, answerFailures(), bearerTenant(verify)],
  );

  it('answers a preflight itself, unauthenticated, with what it allows', async () => {
    const before = handled;

    const response = await handler(request('OPTIONS', { origin: 'https://inbox.example', 'access-control-request-method': 'GET' }), lambdaContext('query'));

    expect(response).toEqual({
      statusCode: 204,
      headers: {
        'access-control-allow-origin': '*',
        'access-control-allow-methods': 'GET, OPTIONS',
        'access-control-allow-headers': 'authorization',
        'access-control-max-age': '7200',
      },
      body: '',
    });
    expect(handled).toBe(before);
  });

  it('lets any origin read every answer, refusals included', async () => {
    const ok = await handler(request('GET', { authorization: 'Bearer acme-token' }), lambdaContext('query'));
    const unauthenticated = await handler(request('GET'), lambdaContext('query'));
    const missing = await handler({ ...request('GET', { authorization: 'Bearer acme-token' }), path: '/missing' }, lambdaContext('query'));

    expect(ok.headers).toEqual({ 'content-type': 'application/json', 'access-control-allow-origin': '*' });
    expect(unauthenticated.headers).toEqual({ 'content-type': 'application/json', 'www-authenticate': 'Bearer', 'access-control-allow-origin': '*' });
    expect(missing).toMatchObject({ statusCode: 404, headers: { 'access-control-allow-origin': '*' } });
  });
});
