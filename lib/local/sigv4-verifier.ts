import { SignatureV4 } from '@smithy/signature-v4';
import type { AwsCredentialIdentity, HttpRequest } from '@smithy/types';
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { Sha256 } from '../../functions/adapters/sha256.ts';

/** A request as it arrived: method, request target and headers as on the wire, and its whole body. */
export interface ReceivedRequest {
  readonly method: string;
  readonly target: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

/** Why AWS refuses a request, in its own words: the error type (x-amzn-errortype) and message it answers 403 with. */
export interface SignatureRefusal {
  readonly errorType: string;
  readonly message: string;
}

/** How far a request's x-amz-date may be from this clock, as AWS allows. */
const maxClockSkewMs = 15 * 60 * 1000;

const authorizationPattern =
  /^AWS4-HMAC-SHA256 Credential=([^/,\s]+)\/(\d{8})\/([^/,\s]+)\/([^/,\s]+)\/aws4_request,\s*SignedHeaders=([a-z0-9;-]+),\s*Signature=([0-9a-f]{64})$/;
const amzDatePattern = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/;

const parseAmzDate = (value: string | undefined): Date | undefined => {
  const parts = amzDatePattern.exec(value ?? '');
  if (!parts) return undefined;
  const [year, month, day, hours, minutes, seconds] = parts.slice(1).map(Number) as [number, number, number, number, number, number];
  return new Date(Date.UTC(year, month - 1, day, hours, minutes, seconds));
};

const missingToken: SignatureRefusal = { errorType: 'MissingAuthenticationTokenException', message: 'Missing Authentication Token' };
const mismatch: SignatureRefusal = {
  errorType: 'InvalidSignatureException',
  message: 'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method.',
};

/**
 * Checks a request's SigV4 signature (Authorization header) as an AWS service does, for one
 * set of credentials, region and service. The signature is not recomputed by hand: the
 * request is signed again by @smithy/signature-v4, over exactly the headers the caller
 * signed and at the caller's x-amz-date, and the two signatures must match. Resolves with
 * the refusal, or undefined when the request is signed with these credentials.
 */
export const createSigV4Verifier = ({
  credentials,
  region,
  service,
}: {
  /** The credentials a request may be signed with: one set, or the set an access key id belongs to (undefined: an unknown key). */
  credentials: AwsCredentialIdentity | ((accessKeyId: string) => AwsCredentialIdentity | undefined);
  region: string;
  service: string;
}) => {
  const credentialsOf = typeof credentials === 'function' ? credentials : (accessKeyId: string) => (accessKeyId === credentials.accessKeyId ? credentials : undefined);

  return async (request: ReceivedRequest, now = Date.now()): Promise<SignatureRefusal | undefined> => {
    const authorization = request.headers.authorization;
    if (!authorization) return missingToken;
    const parts = authorizationPattern.exec(authorization);
    const signingDate = parseAmzDate(request.headers['x-amz-date'] as string | undefined);
    if (!parts || !signingDate) return { errorType: 'IncompleteSignatureException', message: 'Authorization header or x-amz-date is malformed' };
    const [, accessKeyId, , scopeRegion, scopeService, signedHeaderList = '', signature = ''] = parts;
    const known = credentialsOf(accessKeyId ?? '');
    if (!known) return { errorType: 'UnrecognizedClientException', message: 'The security token included in the request is invalid.' };
    if (scopeRegion !== region || scopeService !== service) return mismatch;
    if (Math.abs(now - signingDate.getTime()) > maxClockSkewMs) return { errorType: 'InvalidSignatureException', message: 'Signature expired' };
    const bodyHash = request.headers['x-amz-content-sha256'];
    if (bodyHash !== undefined && bodyHash !== createHash('sha256').update(request.body).digest('hex')) return mismatch;

    const signedHeaders = signedHeaderList.split(';');
    const url = new URL(request.target, 'http://signed.invalid');
    const query: Record<string, string[]> = {};
    for (const [name, value] of url.searchParams) (query[name] ??= []).push(value);
    const toSign: HttpRequest = {
      method: request.method,
      protocol: 'http:',
      hostname: String(request.headers.host ?? ''),
      // As sent: the signer escapes it again exactly as the caller's signer did.
      path: request.target.split('?')[0] ?? '/',
      query,
      headers: Object.fromEntries(signedHeaders.map((name) => [name, [request.headers[name] ?? ''].flat().join(',')])),
      body: request.body,
    };
    // The caller's payload hash, when it sent one, was checked against the body above rather than trusted.
    const signer = new SignatureV4({ credentials: known, region, service, sha256: Sha256, applyChecksum: false });
    const resigned = await signer.sign(toSign, { signingDate, signableHeaders: new Set(signedHeaders) });
    const expected = /Signature=([0-9a-f]{64})$/.exec(String(resigned.headers.authorization))?.[1] ?? '';
    return expected.length === signature.length && timingSafeEqual(Buffer.from(expected), Buffer.from(signature)) ? undefined : mismatch;
  };
};
