import { GetObjectCommand, paginateListObjectsV2, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { AwsCredentialIdentity, Provider } from '@smithy/types';
import { createHash } from 'node:crypto';
import { signedFetcher, type Signing } from './signed-fetch.ts';

/** Where the ack puts a webhook body too large for an SQS message (the claim check). */
export interface BodyWriter {
  put(key: string, body: Buffer): Promise<void>;
}

/** Large bodies in S3, and the processor's request archive. */
export interface BodyStore extends BodyWriter {
  get(key: string): Promise<Buffer>;
  /** Every key under `prefix`, in S3's order (by key): what the operator's archive commands read a day of the archive with. */
  list(prefix: string): Promise<string[]>;
}

/** Names the object in the error, which the SDK's own message ("NoSuchKey") does not. */
const failureOf = (operation: string, bucket: string, key: string, error: unknown): Error =>
  new Error(`S3 ${operation} ${bucket}/${key} failed: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`, { cause: error });

/** A body store on an S3 client: the SDK's retries, signing and endpoint resolution. */
export const bodyStoreOn = (client: S3Client, bucket: string): BodyStore => ({
  async put(key, body) {
    try {
      await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: 'application/octet-stream' }));
    } catch (error) {
      throw failureOf('PUT', bucket, key, error);
    }
  },
  async get(key) {
    try {
      const { Body } = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      if (!Body) throw new Error('the object has no body');
      const bytes = await Body.transformToByteArray();
      return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    } catch (error) {
      throw failureOf('GET', bucket, key, error);
    }
  },
  async list(prefix) {
    const keys: string[] = [];
    try {
      for await (const page of paginateListObjectsV2({ client }, { Bucket: bucket, Prefix: prefix })) {
        keys.push(...(page.Contents ?? []).flatMap(({ Key }) => (Key === undefined ? [] : [Key])));
      }
    } catch (error) {
      throw failureOf('LIST', bucket, prefix, error);
    }
    return keys;
  },
});

export interface BodyStoreOptions {
  readonly bucket: string;
  readonly credentials?: AwsCredentialIdentity | Provider<AwsCredentialIdentity>;
  readonly region?: string | Provider<string>;
  /** A stand-in's endpoint (fauxqs), addressed path-style; AWS's own when absent. */
  readonly endpoint?: string;
}

/** A body store with a client of its own (the operator's CLI, tests): the SDK's default chain for what is not given. */
export const createBodyStore = ({ bucket, credentials, region, endpoint }: BodyStoreOptions): BodyStore =>
  bodyStoreOn(
    new S3Client({ ...(credentials && { credentials }), ...(region && { region }), ...(endpoint && { endpoint, forcePathStyle: true }) }),
    bucket,
  );

/**
 * The ack's body store: PUT signed with SigV4 by hand over fetch, with the credentials and
 * region an SDK client of the function already resolved, and no retries (the caller gets a
 * 503 and sends again). The S3 client would add 141 KB (+31%) to the ack bundle, past its
 * 500 KB budget, and about 15 ms (+19%) to its import, which is its cold start (README,
 * Performance); every other function uses bodyStoreOn.
 */
export const bodyStoreBeside = (client: { config: { credentials: Provider<AwsCredentialIdentity>; region: Provider<string> } }, bucket: string): BodyWriter =>
  signedBodyStore({
    bucket,
    credentials: client.config.credentials,
    region: client.config.region,
    // The standard variable the SDK clients honour; the local runtime points it at fauxqs.
    ...(process.env.AWS_ENDPOINT_URL_S3 && { endpoint: process.env.AWS_ENDPOINT_URL_S3 }),
  });

interface SignedBodyStoreOptions extends Signing {
  readonly bucket: string;
  /** Addressed path-style; AWS's virtual-hosted endpoint when absent. */
  readonly endpoint?: string;
}

export const signedBodyStore = ({ bucket, endpoint, ...signing }: SignedBodyStoreOptions): BodyWriter => {
  const send = signedFetcher(signing);
  const put = async (key: string, body: Buffer): Promise<void> => {
    const url = endpoint ? new URL(`${endpoint.replace(/\/+$/, '')}/${bucket}/${key}`) : new URL(`https://${bucket}.s3.${await signing.region()}.amazonaws.com/${key}`);
    const headers = { 'x-amz-content-sha256': createHash('sha256').update(body).digest('hex'), 'content-length': String(body.length), 'content-type': 'application/octet-stream' };
    const response = await send({ service: 's3', method: 'PUT', url, headers, body, uriEscapePath: false });
    if (!response.ok) throw new Error(`S3 PUT ${bucket}/${key} answered ${response.status}: ${(await response.text()).slice(0, 300)}`);
    await response.arrayBuffer();
  };
  return { put };
};
