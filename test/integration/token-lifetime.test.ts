import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { SignJWT, type JWTPayload } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueToken } from '../../functions/core/tokens.ts';
import { lambdaContext } from '../../lib/local/lambda-context.ts';
import { lambdaEvent } from '../helpers/events.ts';
import { startDynamoDb, startJwtSecret } from '../helpers/services.ts';

/**
 * The deployed query handler of a stack whose tokenMaxLifetimeSeconds is one hour (the variable
 * lib/constructs/realtime.ts sets), on DynamoDB Local: what it answers to shared-secret tokens
 * that never expire or live too long.
 */

const jwtSecret = 'token-lifetime-integration-secret';
const maxLifetimeSeconds = 3600;
let dynamo: Awaited<ReturnType<typeof startDynamoDb>>;
let secrets: Awaited<ReturnType<typeof startJwtSecret>>;
let handler: (event: APIGatewayProxyEvent, context: Context) => Promise<APIGatewayProxyResult>;

beforeAll(async () => {
  dynamo = await startDynamoDb();
  secrets = await startJwtSecret(jwtSecret);
  Object.assign(process.env, {
    ...dynamo.handlerEnvironment,
    MESSAGES_TABLE: dynamo.tables.Messages,
    FEED_TABLE: dynamo.tables.Feed,
    STATS_TABLE: dynamo.tables.Stats,
    // The bucket whose kept media the query function signs links to.
    BODY_BUCKET: 'bodies',
    ...secrets.handlerEnvironment,
    JWT_MAX_LIFETIME_SECONDS: String(maxLifetimeSeconds),
  });
  ({ handler } = await import('../../functions/query/handler.ts'));
});

afterAll(async () => {
  await secrets?.stop();
  await dynamo?.stop();
});

const listConversations = (token: string) =>
  handler(
    { ...lambdaEvent<APIGatewayProxyEvent>('ack-twilio.json'), resource: '/conversations', path: '/conversations', httpMethod: 'GET', headers: { Authorization: `Bearer ${token}` }, multiValueHeaders: {}, queryStringParameters: null, body: null },
    lambdaContext('query'),
  );

const now = () => Math.floor(Date.now() / 1000);
/** A token signed with the stack's secret, as anyone holding it could make one. */
const signed = (claims: JWTPayload) => new SignJWT({ iss: 'switchboard', tenant: 'acme', ...claims }).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode(jwtSecret));

describe('GET /conversations with a shared-secret token', () => {
  it('answers a token within the lifetime, and 401 to one without exp or living longer', async () => {
    // Act
    const answers = {
      withinLifetime: await listConversations(await issueToken('acme', jwtSecret, maxLifetimeSeconds, maxLifetimeSeconds)),
      withoutExp: await listConversations(await signed({ iat: now() })),
      tooLongFromIat: await listConversations(await signed({ iat: now(), exp: now() + 2 * maxLifetimeSeconds })),
      tooLongWithoutIat: await listConversations(await signed({ exp: now() + 2 * maxLifetimeSeconds })),
    };

    // Assess
    expect(Object.fromEntries(Object.entries(answers).map(([name, answer]) => [name, answer.statusCode]))).toEqual({
      withinLifetime: 200,
      withoutExp: 401,
      tooLongFromIat: 401,
      tooLongWithoutIat: 401,
    });
  });
});
