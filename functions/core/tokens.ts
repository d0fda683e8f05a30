import { createRemoteJWKSet, jwtVerify, SignJWT, type JWTPayload } from 'jose';

/**
 * Inbox tokens: JWTs whose tenant claim scopes every query and connection. By default they
 * are HS256 tokens signed with the stack's shared secret (what `switchboard token` issues);
 * a stack deployed with an OIDC issuer verifies its users' tokens against the issuer's JWKS.
 */

const issuer = 'switchboard';
const algorithm = 'HS256';

const keyOf = (secret: string): Uint8Array => new TextEncoder().encode(secret);

export const issueToken = async (tenantId: string, secret: string, ttlSeconds: number): Promise<string> =>
  new SignJWT({ tenant: tenantId })
    .setProtectedHeader({ alg: algorithm })
    .setIssuer(issuer)
    .setSubject(tenantId)
    .setIssuedAt()
    .setExpirationTime(Math.floor(Date.now() / 1000) + ttlSeconds)
    .sign(keyOf(secret));

const tenantClaimOf = (payload: JWTPayload, claim: string): string | undefined => {
  const tenant = payload[claim];
  return typeof tenant === 'string' && tenant !== '' ? tenant : undefined;
};

/** The tenant the token grants, or undefined when it is malformed, forged, expired or has no tenant. */
export const tenantOfToken = async (token: string, secret: string): Promise<string | undefined> => {
  try {
    const { payload } = await jwtVerify(token, keyOf(secret), { issuer, algorithms: [algorithm] });
    return tenantClaimOf(payload, 'tenant');
  } catch {
    return undefined;
  }
};

/** Gives the tenant a token grants, or undefined for any token it does not accept (expired included). */
export type TokenVerifier = (token: string) => Promise<string | undefined>;

/** An OIDC issuer whose tokens are accepted: Cognito, Auth0, Keycloak or any other. */
export interface OidcSettings {
  /** Must equal the tokens' `iss`, e.g. https://cognito-idp.<region>.amazonaws.com/<pool id>. */
  readonly issuer: string;
  /** The issuer's public keys, e.g. <issuer>/.well-known/jwks.json (Keycloak: <issuer>/protocol/openid-connect/certs). */
  readonly jwksUrl: string;
  /** When set, tokens must name it in `aud`. */
  readonly audience?: string;
  /** The claim holding the tenant id; Cognito custom attributes arrive as `custom:<name>`. */
  readonly tenantClaim: string;
}

/** Asymmetric algorithms only: an HS256 token "signed" with a public key must never pass. */
const oidcAlgorithms = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'];

/**
 * Verifies against the issuer's JWKS, fetched on first use and cached by jose, which refetches
 * when a token names a key it has not seen (key rotation).
 */
export const oidcTokenVerifier = (settings: OidcSettings): TokenVerifier => {
  const keys = createRemoteJWKSet(new URL(settings.jwksUrl));
  return async (token) => {
    try {
      const { payload } = await jwtVerify(token, keys, {
        issuer: settings.issuer,
        algorithms: oidcAlgorithms,
        // A token that never expires would outlive any revocation.
        requiredClaims: ['exp'],
        ...(settings.audience !== undefined && { audience: settings.audience }),
      });
      return tenantClaimOf(payload, settings.tenantClaim);
    } catch {
      return undefined;
    }
  };
};

/** Verifies Switchboard's own HS256 tokens with the shared secret, read when first needed. */
export const secretTokenVerifier =
  (secret: () => Promise<string>): TokenVerifier =>
  async (token) =>
    tenantOfToken(token, await secret());

/** Parses durations such as 90s, 15m, 1h or 7d into seconds. */
export const parseDuration = (text: string): number => {
  const match = /^([1-9]\d*)([smhd])$/.exec(text.trim());
  if (!match) throw new Error(`invalid duration "${text}": use a positive number and s, m, h or d, e.g. 1h`);
  const units = { s: 1, m: 60, h: 3600, d: 86400 } as const;
  return Number(match[1]) * units[match[2] as keyof typeof units];
};
