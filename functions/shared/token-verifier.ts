import * as z from 'zod/mini';
import { ConfigurationError } from '../core/errors.ts';
import { defaultTokenMaxLifetimeSeconds, oidcTokenVerifier, secretTokenVerifier, type TokenVerifier } from '../core/tokens.ts';
import { readConfig, required } from './config.ts';
import { jwtSecretFrom } from './jwt-secret.ts';

/**
 * How this function checks inbox tokens, as deployed (lib/constructs/realtime.ts): against an
 * OIDC issuer's JWKS when one is configured, for its audience, else with the stack's shared
 * secret, for at most JWT_MAX_LIFETIME_SECONDS. The WebSocket's $connect and the query API
 * accept exactly the same tokens.
 */
export const tokenVerifierFromEnvironment = (env: NodeJS.ProcessEnv = process.env): TokenVerifier => {
  const config = readConfig(
    {
      JWT_ISSUER: z.optional(z.url()),
      JWKS_URL: z.optional(z.url()),
      JWT_AUDIENCE: z.optional(required),
      JWT_TENANT_CLAIM: z._default(required, 'tenant'),
      JWT_MAX_LIFETIME_SECONDS: z._default(z.coerce.number().check(z.int(), z.positive()), defaultTokenMaxLifetimeSeconds),
    },
    env,
  );
  if (!(config.JWT_ISSUER && config.JWKS_URL)) return secretTokenVerifier(jwtSecretFrom(env), config.JWT_MAX_LIFETIME_SECONDS);
  // Refused at cold start rather than accepting the issuer's tokens for any application.
  if (!config.JWT_AUDIENCE) throw new ConfigurationError('JWT_AUDIENCE is required with JWT_ISSUER: the audience (`aud`) tokens must be issued for');
  return oidcTokenVerifier({ issuer: config.JWT_ISSUER, jwksUrl: config.JWKS_URL, audience: config.JWT_AUDIENCE, tenantClaim: config.JWT_TENANT_CLAIM });
};
