import { SignatureV4 } from '@smithy/signature-v4';
import type { AwsCredentialIdentity, Provider } from '@smithy/types';
import { Sha256 } from './sha256.ts';

/**
 * Short-lived signed links to the media files in the body bucket (`media/<tenantId>/…`), so a
 * browser reads or writes one object directly and never holds AWS credentials. Presigned with
 * @smithy/signature-v4 by hand, as the ack's body store signs its PUT: the SDK's
 * @aws-sdk/s3-request-presigner would bring the S3 client's middleware stack into the query
 * function's bundle for what is one canonical request and one HMAC chain.
 * https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-query-string-auth.html
 */

/** A signed GET: the link and when it stops working. */
export interface SignedLink {
  readonly url: string;
  readonly expiresAt: string;
}

/** A signed PUT: the client sends exactly these headers (they are signed) with the file as the body. */
export interface SignedUpload extends SignedLink {
  readonly method: 'PUT';
  readonly headers: Readonly<Record<string, string>>;
}

export interface PresignGetOptions {
  /** Served as the response's Content-Type (S3's response-content-type override). */
  readonly contentType?: string;
  /** Offered as the download name (Content-Disposition). */
  readonly filename?: string;
  /** Shown in the page (images, audio, video) rather than downloaded. Default: attachment. */
  readonly inline?: boolean;
}

export interface MediaStore {
  presignGet(key: string, expiresInSeconds: number, options?: PresignGetOptions): Promise<SignedLink>;
  /**
   * A PUT of exactly `sizeBytes` bytes of `contentType` to `key`. Content-Type and
   * Content-Length are signed headers: S3 refuses an upload of another size or type. A
   * presigned PUT cannot carry a size range (only a POST policy's content-length-range can), so
   * the caller checks the declared size against its cap and signs that size.
   */
  presignPut(key: string, contentType: string, sizeBytes: number, expiresInSeconds: number): Promise<SignedUpload>;
}

export interface MediaStoreOptions {
  readonly bucket: string;
  readonly credentials: Provider<AwsCredentialIdentity>;
  readonly region: Provider<string>;
  /** A stand-in's endpoint (fauxqs), addressed path-style; AWS's virtual-hosted endpoint when absent. */
  readonly endpoint?: string;
  readonly now?: () => Date;
}

/** SigV4 presigned URLs live at most 7 days. */
const maxExpiresInSeconds = 7 * 24 * 3600;

/** RFC 6266 / RFC 8187: an ASCII fallback name and the exact name percent-encoded in UTF-8. */
export const contentDisposition = (inline: boolean, filename: string | undefined): string => {
  const type = inline ? 'inline' : 'attachment';
  if (filename === undefined) return type;
  const fallback = filename.replace(/[^\x20-\x7e]|["\\]/g, '_');
  const encoded = encodeURIComponent(filename).replace(/['()*]/g, (character) => `%${character.charCodeAt(0).toString(16).toUpperCase()}`);
  return `${type}; filename="${fallback}"; filename*=UTF-8''${encoded}`;
};

/** Each path segment escaped as SigV4 canonicalizes it: S3 keys are signed exactly as they appear. */
const keyPath = (key: string): string => key.split('/').map(encodeURIComponent).join('/');

export const createMediaStore = ({ bucket, credentials, region, endpoint, now = () => new Date() }: MediaStoreOptions): MediaStore => {
  let signer: SignatureV4 | undefined;

  const presign = async (method: 'GET' | 'PUT', key: string, expiresInSeconds: number, query: Record<string, string>, headers: Record<string, string>) => {
    if (!Number.isInteger(expiresInSeconds) || expiresInSeconds < 1 || expiresInSeconds > maxExpiresInSeconds) {
      throw new RangeError(`a signed link lives 1 s to 7 days, not ${expiresInSeconds} s`);
    }
    const resolvedRegion = await region();
    // uriEscapePath off: S3 signs the path as sent, escaped once (keyPath), not twice.
    signer ??= new SignatureV4({ service: 's3', region: resolvedRegion, credentials, sha256: Sha256, uriEscapePath: false });
    const base = endpoint ? new URL(`${endpoint.replace(/\/+$/, '')}/${bucket}/${keyPath(key)}`) : new URL(`https://${bucket}.s3.${resolvedRegion}.amazonaws.com/${keyPath(key)}`);
    const signingDate = now();
    const signed = await signer.presign(
      {
        method,
        protocol: base.protocol,
        hostname: base.hostname,
        ...(base.port && { port: Number(base.port) }),
        path: base.pathname,
        query,
        // The body is the browser's: S3 is told not to expect its hash in the signature.
        headers: { host: base.host, 'X-Amz-Content-Sha256': 'UNSIGNED-PAYLOAD', ...headers },
      },
      { expiresIn: expiresInSeconds, signingDate },
    );
    const url = new URL(base);
    for (const [name, value] of Object.entries(signed.query ?? {})) {
      for (const one of [value ?? ''].flat()) url.searchParams.append(name, one);
    }
    // URLSearchParams writes a space as '+'; SigV4 signed it as %20, and S3 reads '+' as a literal plus.
    return { url: url.href.replaceAll('+', '%20'), expiresAt: new Date(signingDate.getTime() + expiresInSeconds * 1000).toISOString() };
  };

  return {
    async presignGet(key, expiresInSeconds, { contentType, filename, inline = false } = {}) {
      return presign('GET', key, expiresInSeconds, { 'response-content-disposition': contentDisposition(inline, filename), ...(contentType && { 'response-content-type': contentType }) }, {});
    },
    async presignPut(key, contentType, sizeBytes, expiresInSeconds) {
      if (!Number.isSafeInteger(sizeBytes) || sizeBytes < 0) throw new RangeError(`an upload's size is a whole number of bytes, not ${sizeBytes}`);
      const headers = { 'content-type': contentType, 'content-length': String(sizeBytes) };
      return { method: 'PUT', headers, ...(await presign('PUT', key, expiresInSeconds, {}, headers)) };
    },
  };
};

/**
 * A media store signing with the credentials and region an SDK client of the function already
 * resolved (the query function's DynamoDB client), so no S3 client is loaded to sign a link.
 */
export const mediaStoreBeside = (client: { config: { credentials: Provider<AwsCredentialIdentity>; region: Provider<string> } }, bucket: string): MediaStore =>
  createMediaStore({
    bucket,
    credentials: client.config.credentials,
    region: client.config.region,
    // The standard variable the SDK clients honour; the local runtime points it at fauxqs.
    ...(process.env.AWS_ENDPOINT_URL_S3 && { endpoint: process.env.AWS_ENDPOINT_URL_S3 }),
  });
