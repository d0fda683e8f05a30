import { SignatureV4 } from '@smithy/signature-v4';
import type { AwsCredentialIdentity, Provider } from '@smithy/types';
import { Sha256 } from './sha256.ts';

/** Who signs: the credentials and region an SDK client of the function already resolved. */
export interface Signing {
  readonly credentials: Provider<AwsCredentialIdentity>;
  readonly region: Provider<string>;
}

export interface SignedRequest {
  /** The signing name: 's3', 'sns'. */
  readonly service: string;
  readonly method: 'PUT' | 'POST';
  readonly url: URL;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Buffer | string;
  /** S3 signs its path as it is; every other service escapes it again. */
  readonly uriEscapePath?: boolean;
}

/**
 * One AWS API call signed with SigV4 by hand over fetch, without retries: the ack's one-off
 * calls (a large body's PUT, an alert's Publish), whose SDK clients would take its bundle past
 * its 500 KB budget and add to its import, which is its cold start (README, Performance).
 * Answers the response whatever its status: the caller says what a refusal means.
 */
export const signedFetcher = ({ credentials, region }: Signing) => {
  const signers = new Map<string, SignatureV4>();
  return async ({ service, method, url, headers, body, uriEscapePath = true }: SignedRequest): Promise<Response> => {
    const resolvedRegion = await region();
    const signerKey = `${service} ${resolvedRegion} ${uriEscapePath}`;
    let signer = signers.get(signerKey);
    if (!signer) signers.set(signerKey, (signer = new SignatureV4({ service, region: resolvedRegion, credentials, sha256: Sha256, uriEscapePath })));
    const signed = await signer.sign({
      method,
      protocol: url.protocol,
      hostname: url.hostname,
      ...(url.port && { port: Number(url.port) }),
      path: url.pathname,
      query: {},
      headers: { host: url.host, ...headers },
      body,
    });
    // fetch sets Host itself, from the URL it was signed for.
    const { host: _host, ...sent } = signed.headers;
    return fetch(url, { method, headers: sent, body });
  };
};
