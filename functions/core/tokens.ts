import { createRemoteJWKSet, jwtVerify, SignJWT, type JWTPayload } from 'jose';

/**
 * Inbox tokens: JWTs whose tenant claim scopes every query and connection. By default they
 * are HS256 tokens signed with the stack's shared secret (what `switchboard token` issues);
 * a stack deployed with an OIDC issuer verifies its users' tokens against the issuer's JWKS.
 */

const issuer = 'switchboard';
const algorithm = 'HS256';

/**
 * The longest an HS256 token may live unless the stack says otherwise (tokenMaxLifetimeSeconds):
 * nothing revokes one short of rotating the key, so a leaked token is good for at most this long.
 */
export const defaultTokenMaxLifetimeSeconds = 24 * 3600;

/** A token asked to live longer than the stack accepts: it would be refused at every use. */
export class TokenLifetimeError extends Error {
  constructor(ttlSeconds: number, maxLifetimeSeconds: number) {
    super(`a token may live at most ${maxLifetimeSeconds} s on this stack (its tokenMaxLifetimeSeconds), asked for ${ttlSeconds} s`);
    this.name = 'TokenLifetimeError';
  }
}

const keyOf = (secret: string): Uint8Array => new TextEncoder().encode(secret);
const nowInSeconds = (): number => Math.floor(Date.now() / 1000);

/**
 * An operator's token: it also reads the stack-wide figures (GET /stats, GET /webhooks/recent
 * for every tenant, or one named). Everywhere else it is its tenant's token, like any other.
 */
const adminScope = 'admin';

/** @throws TokenLifetimeError when ttlSeconds is over maxLifetimeSeconds, which the stack's functions would refuse */
export const issueToken = async (
  tenantId: string,
  secret: string,
  ttlSeconds: number,
  maxLifetimeSeconds = defaultTokenMaxLifetimeSeconds,
  { admin = false }: { admin?: boolean } = {},
): Promise<string> => {
  if (ttlSeconds > maxLifetimeSeconds) throw new TokenLifetimeError(ttlSeconds, maxLifetimeSeconds);
  // One clock reading for both claims: a second ticking between them would make the lifetime ttl + 1.
  const issuedAt = nowInSeconds();
  return new SignJWT({ tenant: tenantId, ...(admin && { scope: adminScope }) })
    .setProtectedHeader({ alg: algorithm })
    .setIssuer(issuer)
    .setSubject(tenantId)
    .setIssuedAt(issuedAt)
    .setExpirationTime(issuedAt + ttlSeconds)
    .sign(keyOf(secret));
};

/** What a token it accepts grants: its tenant, and whether it is an operator's (`scope: "admin"`). */
export interface TokenGrant {
  readonly tenantId: string;
  readonly admin: boolean;
}

const tenantClaimOf = (payload: JWTPayload, claim: string): string | undefined => {
  const tenant = payload[claim];
  return typeof tenant === 'string' && tenant !== '' ? tenant : undefined;
};

/**
 * How long a token is good for: from `iat` to `exp`, or from now when it has no `iat` or claims
 * one in the future (which would otherwise stretch a token's life past the cap).
 */
const lifetimeSeconds = (exp: number, iat: number | undefined): number => exp - Math.min(iat ?? Number.POSITIVE_INFINITY, nowInSeconds());

/**
 * What the token grants, or undefined when it is malformed, forged, expired, has no tenant, has
 * no `exp` or lives longer than maxLifetimeSeconds.
 */
export const grantOfToken = async (token: string, secret: string, maxLifetimeSeconds = defaultTokenMaxLifetimeSeconds): Promise<TokenGrant | undefined> => {
  try {
    const { payload } = await jwtVerify(token, keyOf(secret), { issuer, algorithms: [algorithm], requiredClaims: ['exp'] });
    // requiredClaims made jose check that `exp` is there, and a number.
    if (lifetimeSeconds(payload.exp as number, payload.iat) > maxLifetimeSeconds) return undefined;
    const tenantId = tenantClaimOf(payload, 'tenant');
    return tenantId === undefined ? undefined : { tenantId, admin: payload.scope === adminScope };
  } catch {
    return undefined;
  }
};

/** The tenant the token grants, or undefined for any token grantOfToken refuses. */
export const tenantOfToken = async (token: string, secret: string, maxLifetimeSeconds = defaultTokenMaxLifetimeSeconds): Promise<string | undefined> =>
  (await grantOfToken(token, secret, maxLifetimeSeconds))?.tenantId;

/** Gives what a token grants, or undefined for any token it does not accept (expired included). */
export type GrantVerifier = (token: string) => Promise<TokenGrant | undefined>;
/** Gives the tenant a token grants, or undefined for any token it does not accept: where being an admin changes nothing. */
export type TokenVerifier = (token: string) => Promise<string | undefined>;

/** The tenant alone of what a verifier grants. */
export const tenantVerifier =
  (grants: GrantVerifier): TokenVerifier =>
  async (token) =>
    (await grants(token))?.tenantId;

/** An OIDC issuer whose tokens are accepted: Cognito, Auth0, Keycloak or any other. */
export interface OidcSettings {
  /** Must equal the tokens' `iss`, e.g. https://cognito-idp.<region>.amazonaws.com/<pool id>. */
  readonly issuer: string;
  /** The issuer's public keys, e.g. <issuer>/.well-known/jwks.json (Keycloak: <issuer>/protocol/openid-connect/certs). */
  readonly jwksUrl: string;
  /**
   * Tokens must name it in `aud` (Cognito ID tokens: the app client id). Required: without it a
   * token the issuer minted for any other application of the same pool or tenant would pass.
   */
  readonly audience: string;
  /** The claim holding the tenant id; Cognito custom attributes arrive as `custom:<name>`. */
  readonly tenantClaim: string;
}

/** Asymmetric algorithms only: an HS256 token "signed" with a public key must never pass. */
const oidcAlgorithms = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'];

/**
 * Verifies against the issuer's JWKS, fetched on first use and cached by jose, which refetches
 * when a token names a key it has not seen (key rotation).
 */
export const oidcTokenVerifier = (settings: OidcSettings): GrantVerifier => {
  const keys = createRemoteJWKSet(new URL(settings.jwksUrl));
  return async (token) => {
    try {
      const { payload } = await jwtVerify(token, keys, {
        issuer: settings.issuer,
        algorithms: oidcAlgorithms,
        // A token that never expires would outlive any revocation.
        requiredClaims: ['exp'],
        audience: settings.audience,
      });
      const tenantId = tenantClaimOf(payload, settings.tenantClaim);
      // Never an admin, whatever it claims: admin tokens are the stack's own (`switchboard token --admin`);
      // an OIDC stack's issuer grants tenants only.
      return tenantId === undefined ? undefined : { tenantId, admin: false };
    } catch {
      return undefined;
    }
  };
};

/** Verifies Switchboard's own HS256 tokens with the shared secret, read when first needed. */
export const secretTokenVerifier =
  (secret: () => Promise<string>, maxLifetimeSeconds = defaultTokenMaxLifetimeSeconds): GrantVerifier =>
  async (token) =>
    grantOfToken(token, await secret(), maxLifetimeSeconds);

/** Parses durations such as 90s, 15m, 1h or 7d into seconds. */
export const parseDuration = (text: string): number => {
  const match = /^([1-9]\d*)([smhd])$/.exec(text.trim());
  if (!match) throw new Error(`invalid duration "${text}": use a positive number and s, m, h or d, e.g. 1h`);
  const units = { s: 1, m: 60, h: 3600, d: 86400 } as const;
  return Number(match[1]) * units[match[2] as keyof typeof units];
};
