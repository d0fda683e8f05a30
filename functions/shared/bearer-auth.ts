import type { MiddlewareObj } from '@middy/core';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { Refused } from '../core/errors.ts';
import type { GrantVerifier, TokenGrant, TokenVerifier } from '../core/tokens.ts';
import { headersOf } from './http.ts';

/** The Lambda context of a request whose bearer token was verified: the tenant it grants. */
export type TenantContext = Context & { tenantId: string };
/** The context of a request to routes that also answer an operator: the tenant, and whether the token is an admin's. */
export type GrantContext = TenantContext & { admin: boolean };

const bearerTokenOf = (event: APIGatewayProxyEvent): string | undefined => /^Bearer\s+(\S+)$/i.exec(headersOf(event).authorization ?? '')?.[1];

const grantOf = async (event: APIGatewayProxyEvent, verify: GrantVerifier): Promise<TokenGrant> => {
  const token = bearerTokenOf(event);
  const grant = token ? await verify(token) : undefined;
  if (!grant) throw new Refused('unauthenticated', 'a valid token is required: Authorization: Bearer <JWT>');
  return grant;
};

/**
 * Authenticates every request by its `Authorization: Bearer <JWT>` and hands the handler the
 * token's tenant, the only tenant it may answer for; without a token it accepts, the request is
 * refused as unauthenticated.
 */
export const bearerTenant = (verify: TokenVerifier): MiddlewareObj<APIGatewayProxyEvent, APIGatewayProxyResult, Error, TenantContext> => ({
  before: async (request) => {
    const grant = await grantOf(request.event, async (token) => {
      const tenantId = await verify(token);
      return tenantId === undefined ? undefined : { tenantId, admin: false };
    });
    request.context.tenantId = grant.tenantId;
  },
});

/**
 * bearerTenant, and whether the token is an admin's: for a function whose routes each decide
 * what an admin may read beyond its tenant (the query API's /stats and /webhooks/recent).
 */
export const bearerGrant = (verify: GrantVerifier): MiddlewareObj<APIGatewayProxyEvent, APIGatewayProxyResult, Error, GrantContext> => ({
  before: async (request) => {
    const { tenantId, admin } = await grantOf(request.event, verify);
    request.context.tenantId = tenantId;
    request.context.admin = admin;
  },
});
