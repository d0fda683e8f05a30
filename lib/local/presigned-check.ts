import { SignatureV4 } from '@smithy/signature-v4';
import type { AwsCredentialIdentity } from '@smithy/types';
import type { IncomingHttpHeaders } from 'node:http';
import { Sha256 } from '../../functions/adapters/sha256.ts';

/**
 * S3's checks of a presigned URL (SigV4 in the query string), for the local access guard:
 * fauxqs checks no signature, so without these a local upload could be larger than the size
 * signed into it, or outlive its expiry, where S3 would refuse it. The signature is not
 * recomputed by hand: the request is presigned again by @smithy/signature-v4 at the URL's own
 * date, over the headers it names as signed, and the two signatures must match.
 * https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-query-string-auth.html
 */

/** S3's refusal: its error code and message, answered with 403. */
export interface PresignedRefusal {
  readonly code: 'SignatureDoesNotMatch' | 'AccessDenied';
  readonly message: string;
}

const queryOf = (path: string): URLSearchParams => new URLSearchParams(path.split('?')[1] ?? '');

/** The access key a presigned URL is signed with, if the request is one. */
export const presignedAccessKeyId = (path: string): string | undefined => {
  const query = queryOf(path);
  return query.has('X-Amz-Signature') ? query.get('X-Amz-Credential')?.split('/')[0] : undefined;
};

const amzDate = (value: string): number => Date.parse(value.replace(/^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/, '$1-$2-$3T$4:$5:$6Z'));

const mismatch: PresignedRefusal = { code: 'SignatureDoesNotMatch', message: 'The request signature we calculated does not match the signature you provided. Check your key and signing method.' };

/** Why S3 would refuse this presigned request, or undefined when it holds. */
export const presignedRefusal = async (
  request: { readonly method: string; readonly path: string; readonly headers: IncomingHttpHeaders },
  credentialsOf: (accessKeyId: string) => AwsCredentialIdentity | undefined,
  now = Date.now(),
): Promise<PresignedRefusal | undefined> => {
  const query = queryOf(request.path);
  const [accessKeyId = '', , region = '', service = ''] = (query.get('X-Amz-Credential') ?? '').split('/');
  const credentials = credentialsOf(accessKeyId);
  const signedAt = amzDate(query.get('X-Amz-Date') ?? '');
  const expiresIn = Number(query.get('X-Amz-Expires'));
  if (!credentials || Number.isNaN(signedAt) || !Number.isInteger(expiresIn)) return mismatch;
  if (now > signedAt + expiresIn * 1000) return { code: 'AccessDenied', message: 'Request has expired' };

  const signature = query.get('X-Amz-Signature');
  const host = request.headers.host ?? '';
  // Every header the URL names as signed, as the client sent it: a body of another length changes content-length.
  const headers = Object.fromEntries((query.get('X-Amz-SignedHeaders') ?? '').split(';').map((name) => [name, String(request.headers[name] ?? '')]));
  const payloadHash = query.get('X-Amz-Content-Sha256');
  // The URL's own parameters (response-content-type…); presigning adds the X-Amz-* ones again.
  const unsigned = Object.fromEntries([...query].filter(([name]) => !name.startsWith('X-Amz-')));
  const signer = new SignatureV4({ service, region, credentials, sha256: Sha256, uriEscapePath: false });
  const [hostname = '', port] = host.split(':');
  const again = await signer.presign(
    { method: request.method, protocol: 'http:', hostname, ...(port && { port: Number(port) }), path: request.path.split('?')[0] ?? '/', query: unsigned, headers: { ...headers, ...(payloadHash && { 'X-Amz-Content-Sha256': payloadHash }) } },
    { expiresIn, signingDate: new Date(signedAt) },
  );
  return again.query?.['X-Amz-Signature'] === signature ? undefined : mismatch;
};
