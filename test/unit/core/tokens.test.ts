import { SignJWT, type JWTPayload } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueToken, oidcTokenVerifier, parseDuration, secretTokenVerifier, tenantOfToken } from '../../../functions/core/tokens.ts';
import { startOidcIssuer } from '../../helpers/socket-oidc-issuer.ts';

const secret = 'a-signing-secret-of-reasonable-length';

/** A token signed with jose directly, to control every claim. */
const signed = (claims: JWTPayload, { issuer = 'switchboard', key = secret } = {}) =>
  new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).setIssuer(issuer).setExpirationTime('1h').sign(new TextEncoder().encode(key));

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

  it.each(['', 'garbage', 'a.b.c', 'eyJhbGciOiJub25lIn0.eyJ0ZW5hbnQiOiJhY21lIiwiaXNzIjoic3dpdGNoYm9hcmQifQ.'])(
    'gives nothing for the malformed token %j',
    async (token) => {
      expect(await tenantOfToken(token, secret)).toBeUndefined();
    },
  );
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
  let issuer: Awaited<ReturnType<typeof startOidcIssuer>>;
  beforeAll(async () => {
    issuer = await startOidcIssuer();
  });
  afterAll(async () => {
    await issuer?.stop();
  });

  it("gives the tenant of a token the issuer signed, from the configured claim, fetching the issuer's keys once", async () => {
    // Prepare
    const verify = oidcTokenVerifier({ issuer: issuer.issuer, jwksUrl: issuer.jwksUrl, tenantClaim: 'custom:tenant' });
    const requestsBefore = issuer.jwksRequests();

    // Act
    const first = await verify(await issuer.issue({ 'custom:tenant': 'acme' }));
    const second = await verify(await issuer.issue({ 'custom:tenant': 'globex' }));

    // Assess
    expect([first, second]).toEqual(['acme', 'globex']);
    expect(issuer.jwksRequests() - requestsBefore).toBe(1);
  });

  it('refuses an expired token, one of another issuer, one signed with another key, and one that never expires', async () => {
    const verify = oidcTokenVerifier({ issuer: issuer.issuer, jwksUrl: issuer.jwksUrl, tenantClaim: 'tenant' });

    expect(await verify(await issuer.issue({ tenant: 'acme' }))).toBe('acme');
    expect(await verify(await issuer.issue({ tenant: 'acme' }, { expiresIn: '-1m' }))).toBeUndefined();
    expect(await verify(await issuer.issue({ tenant: 'acme' }, { issuer: 'https://evil.example.test' }))).toBeUndefined();
    expect(await verify(await issuer.issue({ tenant: 'acme' }, { foreignKey: true }))).toBeUndefined();
    expect(await verify(await issuer.issue({ tenant: 'acme' }, { expiresIn: null }))).toBeUndefined();
  });

  it('refuses a token without the tenant claim, and a shared-secret token', async () => {
    const verify = oidcTokenVerifier({ issuer: issuer.issuer, jwksUrl: issuer.jwksUrl, tenantClaim: 'custom:tenant' });

    expect(await verify(await issuer.issue({ tenant: 'acme' }))).toBeUndefined();
    expect(await verify(await issueToken('acme', secret, 3600))).toBeUndefined();
  });

  it('checks the audience when one is configured', async () => {
    const verify = oidcTokenVerifier({ issuer: issuer.issuer, jwksUrl: issuer.jwksUrl, tenantClaim: 'tenant', audience: 'switchboard-inbox' });

    expect(await verify(await issuer.issue({ tenant: 'acme', aud: 'switchboard-inbox' }))).toBe('acme');
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
    expect([valid, expired]).toEqual(['acme', undefined]);
    expect(reads).toBe(2);
  });
});
