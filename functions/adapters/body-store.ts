import { SignatureV4 } from '@smithy/signature-v4';
import type { AwsCredentialIdentity, Provider } from '@smithy/types';
import { createHash } from 'node:crypto';
import { Sha256 } from './sha256.ts';

/**
 * Webhook bodies too large for an SQS message, in S3 (the claim check). Two calls, PUT and
 * GET, signed with SigV4 by hand: the S3 client would add 156 KB to the ack bundle, whose
 * size is its cold start.
 */
export interface BodyStore {
  put(key: string, body: Buffer): Promise<void>;
  get(key: string): Promise<Buffer>;
}

export interface BodyStoreOptions {
  readonly bucket: string;
  /** The credentials and region an SDK client of the function already resolved. */
  readonly credentials: Provider<AwsCredentialIdentity>;
  readonly region: Provider<string>;
  /** A path-style endpoint (the local stand-in); AWS's virtual-hosted endpoint when absent. */
  readonly endpoint?: string;
}

/** A body store signing with the credentials and region an SDK client of the function resolved. */
export const bodyStoreBeside = (client: { config: { credentials: Provider<AwsCredentialIdentity>; region: Provider<string> } }, bucket: string): BodyStore =>
  createBodyStore({
    bucket,
    credentials: client.config.credentials,
    region: client.config.region,
    // The standard variable the SDK clients honour; the local runtime points it at fauxqs.
    ...(process.env.AWS_ENDPOINT_URL_S3 && { endpoint: process.env.AWS_ENDPOINT_URL_S3 }),
  });

export const createBodyStore = ({ bucket, credentials, region, endpoint }: BodyStoreOptions): BodyStore => {
  let signer: SignatureV4 | undefined;

  const send = async (method: 'PUT' | 'GET', key: string, body?: Buffer): Promise<Response> => {
    const resolvedRegion = await region();
    signer ??= new SignatureV4({ service: 's3', region: resolvedRegion, credentials, sha256: Sha256, uriEscapePath: false });
    const url = endpoint ? new URL(`${endpoint.replace(/\/+$/, '')}/${bucket}/${key}`) : new URL(`https://${bucket}.s3.${resolvedRegion}.amazonaws.com/${key}`);
    const payloadHash = createHash('sha256')
      .update(body ?? '')
      .digest('hex');
    const signed = await signer.sign({
      method,
      protocol: url.protocol,
      hostname: url.hostname,
      ...(url.port && { port: Number(url.port) }),
      path: url.pathname,
      query: {},
      headers: {
        host: url.host,
        'x-amz-content-sha256': payloadHash,
        ...(body && { 'content-length': String(body.length), 'content-type': 'application/octet-stream' }),
      },
      ...(body && { body }),
    });
    const { host: _host, ...headers } = signed.headers;
    const response = await fetch(url, { method, headers, ...(body && { body }) });
    if (!response.ok) throw new Error(`S3 ${method} ${bucket}/${key} answered ${response.status}: ${(await response.text()).slice(0, 300)}`);
    return response;
  };

  return {
    async put(key, body) {
      await (await send('PUT', key, body)).arrayBuffer();
    },
    async get(key) {
      return Buffer.from(await (await send('GET', key)).arrayBuffer());
    },
  };
};
