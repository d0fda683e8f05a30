import { GetCommand } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueToken } from '../../functions/core/tokens.ts';
import { lambdaContext, loadHandler, type LambdaHandler } from '../../lib/local/lambda-context.ts';
import { startOidcIssuer } from '../helpers/socket-oidc-issuer.ts';
import { startDynamoDb } from '../helpers/services.ts';

/**
 * The real $connect handler configured as a stack deployed with an OIDC issuer is (Cognito's
 * `custom:tenant` claim, an audience), on DynamoDB Local, verifying against a JWKS on 127.0.0.1.
 */

let dynamo: Awaited<ReturnType<typeof startDynamoDb>>;
let issuer: Awaited<ReturnType<typeof startOidcIssuer>>;
let connect: LambdaHandler<APIGatewayProxyEvent, APIGatewayProxyResult>;
const audience = 'inbox-app-client';

beforeAll(async () => {
  dynamo = await startDynamoDb();
  issuer = await startOidcIssuer('https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Test');
  // The variables lib/constructs/realtime.ts sets with `oidc`; no JWT_SECRET_ARN: it must not be needed.
  delete process.env.JWT_SECRET_ARN;
  Object.assign(process.env, {
    ...dynamo.handlerEnvironment,
    CONNECTIONS_TABLE: dynamo.tables.Connections,
    JWT_ISSUER: issuer.issuer,
    JWKS_URL: issuer.jwksUrl,
    JWT_AUDIENCE: audience,
    JWT_TENANT_CLAIM: 'custom:tenant',
    POWERTOOLS_LOG_LEVEL: 'ERROR',
    POWERTOOLS_METRICS_DISABLED: 'true',
  });
  connect = await loadHandler('connect');
});
afterAll(async () => {
  await issuer?.stop();
  await dynamo?.stop();
});

let connections = 0;
/** A $connect event as API Gateway shapes it, for a fresh connection id. */
const connectEvent = (token: string) =>
  ({
    queryStringParameters: { token },
    requestContext: { connectionId: `conn-${++connections}`, routeKey: '$connect', eventType: 'CONNECT', requestTimeEpoch: Date.now() },
  }) as unknown as APIGatewayProxyEvent;

const recordOf = async (connectionId: string) =>
  (await dynamo.documentClient.send(new GetCommand({ TableName: dynamo.tables.Connections, Key: { connectionId } }))).Item;

describe('$connect with an OIDC issuer', () => {
  it("admits a token of the issuer for its audience, recording the connection under the claim's tenant", async () => {
    // Prepare
    const event = connectEvent(await issuer.issue({ 'custom:tenant': 'acme', aud: audience }));

    // Act
    const response = await connect(event, lambdaContext('connect'));

    // Assess
    expect(response.statusCode).toBe(200);
    expect(await recordOf(event.requestContext.connectionId ?? '')).toMatchObject({ tenantId: 'acme' });
  });

  it.each([
    ['an expired token', () => issuer.issue({ 'custom:tenant': 'acme', aud: audience }, { expiresIn: '-1m' })],
    ['a token for another audience', () => issuer.issue({ 'custom:tenant': 'acme', aud: 'another-app' })],
    ['a token without the tenant claim', () => issuer.issue({ tenant: 'acme', aud: audience })],
    ['a shared-secret token', () => issueToken('acme', 'any-secret', 3600)],
  ])('refuses %s and records nothing', async (_case, token) => {
    const event = connectEvent(await token());

    const response = await connect(event, lambdaContext('connect'));

    expect(response.statusCode).toBe(401);
    expect(await recordOf(event.requestContext.connectionId ?? '')).toBeUndefined();
  });
});
