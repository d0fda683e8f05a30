import { describe, expect, it } from 'vitest';
import { ConfigurationError } from '../../../functions/core/errors.ts';
import { issueToken } from '../../../functions/core/tokens.ts';
import { tokenVerifierFromEnvironment } from '../../../functions/shared/token-verifier.ts';

/** The token settings a function reads from its environment, as lib/constructs/realtime.ts sets them. */

const secret = 'a-signing-secret-of-reasonable-length';
const oidc = { JWT_ISSUER: 'https://issuer.example.test/realms/inbox', JWKS_URL: 'https://issuer.example.test/realms/inbox/certs' };

describe('tokenVerifierFromEnvironment', () => {
  it('refuses to start with an OIDC issuer and no audience, naming the variable', () => {
    // Act
    const start = () => tokenVerifierFromEnvironment({ ...oidc, JWT_TENANT_CLAIM: 'custom:tenant' });

    // Assess
    expect(start).toThrow(ConfigurationError);
    expect(start).toThrow('JWT_AUDIENCE is required with JWT_ISSUER');
  });

  it('starts with an OIDC issuer and its audience', () => {
    expect(tokenVerifierFromEnvironment({ ...oidc, JWT_AUDIENCE: 'inbox-app-client' })).toBeTypeOf('function');
  });

  it('holds shared-secret tokens to JWT_MAX_LIFETIME_SECONDS, and to 24 h without it', async () => {
    // Prepare
    const twoHours = await issueToken('acme', secret, 7200);
    const capped = tokenVerifierFromEnvironment({ JWT_SECRET: secret, JWT_MAX_LIFETIME_SECONDS: '3600' });
    const byDefault = tokenVerifierFromEnvironment({ JWT_SECRET: secret });

    // Act
    const tenants = [await capped(twoHours), await capped(await issueToken('acme', secret, 3600)), await byDefault(twoHours)];

    // Assess
    expect(tenants).toEqual([undefined, 'acme', 'acme']);
  });

  it.each(['soon', '0', '1.5'])('refuses to start with JWT_MAX_LIFETIME_SECONDS=%j', (value) => {
    expect(() => tokenVerifierFromEnvironment({ JWT_SECRET: secret, JWT_MAX_LIFETIME_SECONDS: value })).toThrow(/JWT_MAX_LIFETIME_SECONDS/);
  });
});
