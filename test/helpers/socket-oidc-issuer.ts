import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type JWTPayload } from 'jose';

export interface IssuedOptions {
  /** A duration as jose reads it ('1h', '-1m'); null: the token never expires. */
  readonly expiresIn?: string | null;
  readonly issuer?: string;
  /** Sign with a key the JWKS does not publish. */
  readonly foreignKey?: boolean;
}

/**
 * An OIDC issuer for WebSocket token tests: an RS256 key pair whose public half is served as a
 * JWKS on 127.0.0.1 (no network), and tokens signed with it.
 */
export const startOidcIssuer = async (issuer = 'https://issuer.example.test/realms/inbox') => {
  const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
  const foreign = await generateKeyPair('RS256');
  const jwk = { ...(await exportJWK(publicKey)), kid: 'key-1', alg: 'RS256', use: 'sig' };
  let jwksRequests = 0;
  const server = createServer((_request, response) => {
    jwksRequests += 1;
    response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [jwk] }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    issuer,
    jwksUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/.well-known/jwks.json`,
    /** How often the JWKS was fetched. */
    jwksRequests: () => jwksRequests,
    issue: (claims: JWTPayload, options: IssuedOptions = {}): Promise<string> => {
      const { expiresIn = '1h', foreignKey = false } = options;
      const jwt = new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: 'key-1' }).setIssuer(options.issuer ?? issuer).setIssuedAt();
      return (expiresIn === null ? jwt : jwt.setExpirationTime(expiresIn)).sign(foreignKey ? foreign.privateKey : privateKey);
    },
    stop: () => new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve()))),
  };
};
