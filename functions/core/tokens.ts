import { jwtVerify, SignJWT } from 'jose';

/**
 * Inbox tokens: HS256 JWTs whose `tenant` claim scopes every query and connection.
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

/** The tenant the token grants, or undefined when it is malformed, forged, expired or has no tenant. */
export const tenantOfToken = async (token: string, secret: string): Promise<string | undefined> => {
  try {
    const { payload } = await jwtVerify(token, keyOf(secret), { issuer, algorithms: [algorithm] });
    return typeof payload.tenant === 'string' && payload.tenant !== '' ? payload.tenant : undefined;
  } catch {
    return undefined;
  }
};

/** Parses durations such as 90s, 15m, 1h or 7d into seconds. */
export const parseDuration = (text: string): number => {
  const match = /^([1-9]\d*)([smhd])$/.exec(text.trim());
  if (!match) throw new Error(`invalid duration "${text}": use a positive number and s, m, h or d, e.g. 1h`);
  const units = { s: 1, m: 60, h: 3600, d: 86400 } as const;
  return Number(match[1]) * units[match[2] as keyof typeof units];
};
