import * as z from 'zod/mini';
import { oidcTokenVerifier, secretTokenVerifier, type TokenVerifier } from '../core/tokens.ts';
import { readConfig, required } from './config.ts';
import { jwtSecretFrom } from './jwt-secret.ts';

/**
 * How this function checks inbox tokens, as deployed (lib/constructs/realtime.ts): against an
 * OIDC issuer's JWKS when one is configured, else with the stack's shared secret. The
 * WebSocket's $connect and the query API accept exactly the same tokens.
 */
export const tokenVerifierFromEnvironment = (): TokenVerifier => {
  const config = readConfig({
    JWT_ISSUER: z.optional(z.url()),
    JWKS_URL: z.optional(z.url()),
    JWT_AUDIENCE: z.optional(required),
    JWT_TENANT_CLAIM: z._default(required, 'tenant'),
  });
  return config.JWT_ISSUER && config.JWKS_URL
    ? oidcTokenVerifier({
        issuer: config.JWT_ISSUER,
        jwksUrl: config.JWKS_URL,
        tenantClaim: config.JWT_TENANT_CLAIM,
        ...(config.JWT_AUDIENCE && { audience: config.JWT_AUDIENCE }),
      })
    : secretTokenVerifier(jwtSecretFrom());
};
