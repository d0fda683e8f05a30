import { describe, expect, it } from 'vitest';
import { ConfigurationError } from '../../../functions/core/errors.ts';
import { tokenVerifierFrom } from '../../../functions/shared/token-verifier.ts';

/** The token variables a function is given, as lib/definitions/functions.ts declares them. */

const oidc = { JWT_ISSUER: 'https://issuer.example.test/realms/inbox', JWKS_URL: 'https://issuer.example.test/realms/inbox/certs' };

describe('tokenVerifierFrom', () => {
  it('refuses to start with an OIDC issuer and no audience, naming the variable', () => {
    // Act
    const start = () => tokenVerifierFrom({ ...oidc, JWT_TENANT_CLAIM: 'custom:tenant' });

    // Assess
    expect(start).toThrow(ConfigurationError);
    expect(start).toThrow('JWT_AUDIENCE is required with JWT_ISSUER');
  });

  it('starts with an OIDC issuer and its audience', () => {
    expect(tokenVerifierFrom({ ...oidc, JWT_AUDIENCE: 'inbox-app-client' })).toBeTypeOf('function');
  });
});
