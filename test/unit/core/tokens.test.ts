import { SignJWT, type JWTPayload } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  defaultTokenMaxLifetimeSeconds,
  grantOfToken,
  issueToken,
  oidcTokenVerifier,
  parseDuration,
  secretTokenVerifier,
  tenantOfToken,
  tenantVerifier,
  TokenLifetimeError,
} from '../../../functions/core/tokens.ts';
import { startOidcIssuer } from '../../helpers/socket-oidc-issuer.ts';

const secret = 'a-signing-secret-of-reasonable-length';

/** A token signed with jose directly, to control every claim; `exp` in an hour unless the claims say otherwise. */
const signed = (claims: JWTPayload, { issuer = 'switchboard', key = secret } = {}) =>
  new SignJWT({ exp: nowInSeconds() + 3600, ...claims }).setProtectedHeader({ alg: 'HS256' }).setIssuer(issuer).sign(new TextEncoder().encode(key));
const nowInSeconds = () => Math.floor(Date.now() / 1000);
const day = 24 * 3600;

describe('tenantOfToken', () => {
  it('gives the tenant of a token issued with the same secret', async () => {
    // Prepare
    const token = await issueToken('acme', secret, 3600);

    // Act
    const tenant = await tenantOfToken(token, secret);

    // Assess
    expect(tenant).toBe('acme');
  });

  it('gives nothing for a token issued with another secret', async () => {
    const token = await issueToken('acme', 'another-secret', 3600);

    expect(await tenantOfToken(token, secret)).toBeUndefined();
  });

  it('gives nothing for an expired token', async () => {
    const token = await issueToken('acme', secret, -60);

    expect(await tenantOfToken(token, secret)).toBeUndefined();
  });

  it('accepts a token signed elsewhere with the tenant claim, and refuses one without it or with an empty one', async () => {
    // The first token shows the two others fail for their missing tenant and nothing else.
    const withTenant = await signed({ tenant: 'acme' });
    const withoutTenant = await signed({ sub: 'acme' });
    const emptyTenant = await signed({ tenant: '' });

    expect(await tenantOfToken(withTenant, secret)).toBe('acme');
    expect(await tenantOfToken(withoutTenant, secret)).toBeUndefined();
    expect(await tenantOfToken(emptyTenant, secret)).toBeUndefined();
  });

  it('gives nothing for a token of another issuer', async () => {
    const token = await signed({ tenant: 'acme' }, { issuer: 'someone-else' });

    expect(await tenantOfToken(token, secret)).toBeUndefined();
  });

  it('refuses a token that never expires', async () => {
    // The first token shows the second fails for its missing `exp` alone.
    const expiring = await signed({ tenant: 'acme', iat: nowInSeconds() });
    const everlasting = await signed({ tenant: 'acme', iat: nowInSeconds(), exp: undefined });

    expect(await tenantOfToken(expiring, secret)).toBe('acme');
    expect(await tenantOfToken(everlasting, secret)).toBeUndefined();
  });

  it('accepts a lifetime of 24 h by default and refuses a longer one, from `iat`, or from now without it', async () => {
    // Prepare
    const now = nowInSeconds();
    const tokens = {
      fullDay: await signed({ tenant: 'acme', iat: now, exp: now + day }),
      issuedLongAgo: await signed({ tenant: 'acme', iat: now - 2 * day, exp: now + 3600 }),
      dayAndASecond: await signed({ tenant: 'acme', iat: now, exp: now + day + 1 }),
      noIatFarExp: await signed({ tenant: 'acme', exp: now + 2 * day }),
      noIatNearExp: await signed({ tenant: 'acme', exp: now + 3600 }),
      // An `iat` in the future must not stretch the token's life past the cap.
      futureIat: await signed({ tenant: 'acme', iat: now + 30 * day, exp: now + 30 * day + 3600 }),
    };

    // Act
    const tenants = Object.fromEntries(await Promise.all(Object.entries(tokens).map(async ([name, token]) => [name, await tenantOfToken(token, secret)])));

    // Assess
    expect(defaultTokenMaxLifetimeSeconds).toBe(day);
    expect(tenants).toEqual({
      fullDay: 'acme',
      issuedLongAgo: undefined,
      dayAndASecond: undefined,
      noIatFarExp: undefined,
      noIatNearExp: 'acme',
      futureIat: undefined,
    });
  });

  it('holds tokens to the lifetime it is given', async () => {
    const twoHours = await issueToken('acme', secret, 7200);

    expect(await tenantOfToken(twoHours, secret, 7200)).toBe('acme');
    expect(await tenantOfToken(twoHours, secret, 3600)).toBeUndefined();
  });

  it.each(['', 'garbage', 'a.b.c', 'eyJhbGciOiJub25lIn0.eyJ0ZW5hbnQiOiJhY21lIiwiaXNzIjoic3dpdGNoYm9hcmQifQ.'])(
    'gives nothing for the malformed token %j',
    async (token) => {
      expect(await tenantOfToken(token, secret)).toBeUndefined();
    },
  );
});

describe('issueToken', () => {
  it('issues a token of up to the longest lifetime, and refuses a longer one with a reason', async () => {
    const fullDay = await issueToken('acme', secret, day);

    expect(await tenantOfToken(fullDay, secret)).toBe('acme');
    await expect(issueToken('acme', secret, day + 1)).rejects.toThrow(TokenLifetimeError);
    await expect(issueToken('acme', secret, day + 1)).rejects.toThrow('a token may live at most 86400 s on this stack (its tokenMaxLifetimeSeconds), asked for 86401 s');
    await expect(issueToken('acme', secret, 7200, 3600)).rejects.toThrow('at most 3600 s');
  });
});

describe('parseDuration', () => {
  it.each([
    ['90s', 90],
    ['15m', 900],
    ['1h', 3600],
    ['7d', 604_800],
  ])('reads %s as %i seconds', (text, seconds) => {
    expect(parseDuration(text)).toBe(seconds);
  });

  it.each(['1 hour', '', 'h', '1.5h', '-1h', '0s', '0h'])('refuses %j', (text) => {
    expect(() => parseDuration(text)).toThrow(/invalid duration/);
  });
});

describe('oidcTokenVerifier', () => {
  const audience = 'switchboard-inbox';
  let issuer: Awaited<ReturnType<typeof startOidcIssuer>>;
  beforeAll(async () => {
    issuer = await startOidcIssuer();
  });
  afterAll(async () => {
    await issuer?.stop();
  });

  it("gives the tenant of a token the issuer signed, from the configured claim, fetching the issuer's keys once", async () => {
    // Prepare
    const verify = oidcTokenVerifier({ issuer: issuer.issuer, jwksUrl: issuer.jwksUrl, audience, tenantClaim: 'custom:tenant' });
    const requestsBefore = issuer.jwksRequests();

    // Act
    const first = await verify(await issuer.issue({ 'custom:tenant': 'acme', aud: audience }));
    const second = await verify(await issuer.issue({ 'custom:tenant': 'globex', aud: audience }));

    // Assess
    expect([first, second]).toEqual([
      { tenantId: 'acme', admin: false },
      { tenantId: 'globex', admin: false },
    ]);
    expect(issuer.jwksRequests() - requestsBefore).toBe(1);
  });

  it('refuses an expired token, one of another issuer, one signed with another key, and one that never expires', async () => {
    const verify = oidcTokenVerifier({ issuer: issuer.issuer, jwksUrl: issuer.jwksUrl, audience, tenantClaim: 'tenant' });

    expect(await verify(await issuer.issue({ tenant: 'acme', aud: audience }))).toEqual({ tenantId: 'acme', admin: false });
    expect(await verify(await issuer.issue({ tenant: 'acme', aud: audience }, { expiresIn: '-1m' }))).toBeUndefined();
    expect(await verify(await issuer.issue({ tenant: 'acme', aud: audience }, { issuer: 'https://evil.example.test' }))).toBeUndefined();
    expect(await verify(await issuer.issue({ tenant: 'acme', aud: audience }, { foreignKey: true }))).toBeUndefined();
    expect(await verify(await issuer.issue({ tenant: 'acme', aud: audience }, { expiresIn: null }))).toBeUndefined();
  });

  it('refuses a token without the tenant claim, and a shared-secret token', async () => {
    const verify = oidcTokenVerifier({ issuer: issuer.issuer, jwksUrl: issuer.jwksUrl, audience, tenantClaim: 'custom:tenant' });

    expect(await verify(await issuer.issue({ tenant: 'acme', aud: audience }))).toBeUndefined();
    expect(await verify(await issueToken('acme', secret, 3600))).toBeUndefined();
  });

  it("never makes an admin of an issuer's token, whatever scope it claims", async () => {
    const verify = oidcTokenVerifier({ issuer: issuer.issuer, jwksUrl: issuer.jwksUrl, audience, tenantClaim: 'tenant' });

    expect(await verify(await issuer.issue({ tenant: 'acme', aud: audience, scope: 'admin' }))).toEqual({ tenantId: 'acme', admin: false });
  });

  it('refuses a token for another audience, or for none', async () => {
    const verify = oidcTokenVerifier({ issuer: issuer.issuer, jwksUrl: issuer.jwksUrl, audience, tenantClaim: 'tenant' });

    expect(await verify(await issuer.issue({ tenant: 'acme', aud: audience }))).toEqual({ tenantId: 'acme', admin: false });
    expect(await verify(await issuer.issue({ tenant: 'acme', aud: 'another-app' }))).toBeUndefined();
    expect(await verify(await issuer.issue({ tenant: 'acme' }))).toBeUndefined();
  });
});

describe('secretTokenVerifier', () => {
  it('verifies like tenantOfToken, reading the secret when a token arrives', async () => {
    // Prepare
    let reads = 0;
    const verify = secretTokenVerifier(async () => {
      reads += 1;
      return secret;
    });

    // Act
    const valid = await verify(await issueToken('acme', secret, 3600));
    const expired = await verify(await issueToken('acme', secret, -60));

    // Assess
    expect([valid, expired]).toEqual([{ tenantId: 'acme', admin: false }, undefined]);
    expect(reads).toBe(2);
  });
});

describe('admin tokens', () => {
  it('grants the tenant and admin to a token issued with admin, and the tenant alone otherwise', async () => {
    // Prepare
    const admin = await issueToken('ops', secret, 300, defaultTokenMaxLifetimeSeconds, { admin: true });
    const tenant = await issueToken('acme', secret, 300);

    // Act
    const grants = [await grantOfToken(admin, secret), await grantOfToken(tenant, secret)];

    // Assess
    expect(grants).toEqual([
      { tenantId: 'ops', admin: true },
      { tenantId: 'acme', admin: false },
    ]);
    expect(await tenantOfToken(admin, secret)).toBe('ops');
  });

  it.each([
    ['another scope', { tenant: 'ops', scope: 'admins' }],
    ['a scope that is not a string', { tenant: 'ops', scope: ['admin'] }],
    ['admin as a claim of its own', { tenant: 'ops', admin: true }],
  ])('is not an admin with %s', async (_case, claims) => {
    expect(await grantOfToken(await signed(claims), secret)).toEqual({ tenantId: 'ops', admin: false });
  });

  it('refuses an admin claim signed with another key, or without a tenant', async () => {
    expect(await grantOfToken(await signed({ tenant: 'ops', scope: 'admin' }, { key: 'a-guessed-key-of-reasonable-length' }), secret)).toBeUndefined();
    expect(await grantOfToken(await signed({ scope: 'admin' }), secret)).toBeUndefined();
  });

  it("is its tenant's token alone where only a tenant counts (tenantVerifier)", async () => {
    const verify = tenantVerifier(secretTokenVerifier(async () => secret));

    expect(await verify(await issueToken('ops', secret, 300, defaultTokenMaxLifetimeSeconds, { admin: true }))).toBe('ops');
    expect(await verify('not-a-token')).toBeUndefined();
  });

  it('refuses an admin token that lives longer than the stack allows, like any other', async () => {
    const week = await signed({ tenant: 'ops', scope: 'admin', iat: nowInSeconds(), exp: nowInSeconds() + 7 * day });

    expect(await grantOfToken(week, secret)).toBeUndefined();
  });
});
