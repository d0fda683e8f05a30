import type { MiddlewareObj } from '@middy/core';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { Refused } from '../core/errors.ts';
import type { TokenVerifier } from '../core/tokens.ts';
import { headersOf } from './http.ts';

/** The Lambda context of a request whose bearer token was verified: the tenant it grants. */
export type TenantContext = Context & { tenantId: string };

/**
 * Authenticates every request by its `Authorization: Bearer <JWT>` and hands the handler the
 * token's tenant, the only tenant it may answer for; without a token it accepts, the request is
 * refused as unauthenticated.
 */
export const bearerTenant = (verify: TokenVerifier): MiddlewareObj<APIGatewayProxyEvent, APIGatewayProxyResult, Error, TenantContext> => ({
  before: async (request) => {
    const token = /^Bearer\s+(\S+)$/i.exec(headersOf(request.event).authorization ?? '')?.[1];
    const tenantId = token ? await verify(token) : undefined;
    if (!tenantId) throw new Refused('unauthenticated', 'a valid token is required: Authorization: Bearer <JWT>');
    request.context.tenantId = tenantId;
  },
});
