import { ConfigurationError } from '../core/errors.ts';
import { oidcTokenVerifier, secretTokenVerifier, tenantVerifier, type GrantVerifier, type TokenVerifier } from '../core/tokens.ts';
import type { ConfigOf } from './config.ts';
import { jwtSecretFrom } from './jwt-secret.ts';

/** The token variables of a function that checks inbox tokens (lib/definitions/functions.ts). */
export type TokenConfig = Pick<ConfigOf<'query'>, 'JWT_SECRET_ARN' | 'JWT_MAX_LIFETIME_SECONDS' | 'JWT_ISSUER' | 'JWKS_URL' | 'JWT_AUDIENCE' | 'JWT_TENANT_CLAIM'>;

/**
 * How this function checks inbox tokens, and what each grants: against an OIDC issuer's JWKS
 * when one is configured, for its audience (a tenant, never an admin), else with the stack's
 * shared secret, for at most JWT_MAX_LIFETIME_SECONDS (a tenant, and admin with `scope: "admin"`).
 * The WebSocket's $connect and the query API accept exactly the same tokens.
 */
export const grantVerifierFrom = (config: TokenConfig): GrantVerifier => {
  if (config.JWT_ISSUER && config.JWKS_URL) {
    // Refused at cold start rather than accepting the issuer's tokens for any application.
    if (!config.JWT_AUDIENCE) throw new ConfigurationError('JWT_AUDIENCE is required with JWT_ISSUER: the audience (`aud`) tokens must be issued for');
    return oidcTokenVerifier({ issuer: config.JWT_ISSUER, jwksUrl: config.JWKS_URL, audience: config.JWT_AUDIENCE, tenantClaim: config.JWT_TENANT_CLAIM ?? 'tenant' });
  }
  if (!config.JWT_SECRET_ARN) throw new ConfigurationError('set JWT_SECRET_ARN (the stack signs tokens), or JWT_ISSUER, JWKS_URL and JWT_AUDIENCE (an OIDC issuer does)');
  return secretTokenVerifier(jwtSecretFrom({ JWT_SECRET_ARN: config.JWT_SECRET_ARN }), config.JWT_MAX_LIFETIME_SECONDS);
};

/** The tenant alone of each token: for every use where an admin's token is its tenant's, like any other. */
export const tokenVerifierFrom = (config: TokenConfig): TokenVerifier => tenantVerifier(grantVerifierFrom(config));
