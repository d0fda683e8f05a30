import { S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMediaStore } from '../../functions/adapters/media-store.ts';
import { uploadObjectsOn } from '../../functions/adapters/upload-store.ts';
import { uploadKeyOf } from '../../functions/core/uploads.ts';
import type { FunctionName } from '../../lib/definitions/functions.ts';
import { functionAccessKeyId, startAccessGuard } from '../../lib/local/access-guard.ts';
import { localCredentials, localRegion } from '../../lib/local/aws.ts';
import { startSqs } from '../helpers/services.ts';

/**
 * An upload as the inbox makes one, against fauxqs's S3 behind the local access guard: the
 * send function signs a PUT, the client PUTs the file, the sender signs a GET link that serves
 * the same bytes. The guard checks presigned URLs as S3 does, so a body larger than the size
 * signed in, an expired link, and a link signed by a function without the grant are refused.
 */

let sqs: Awaited<ReturnType<typeof startSqs>>;
let guard: Awaited<ReturnType<typeof startAccessGuard>>;
const denials: string[] = [];
const bucket = 'upload-bodies';

const credentialsOf = (name: FunctionName) => ({ accessKeyId: functionAccessKeyId(name), secretAccessKey: localCredentials.secretAccessKey });
const storeAs = (name: FunctionName, now?: () => Date) =>
  createMediaStore({ bucket, credentials: async () => credentialsOf(name), region: async () => localRegion, endpoint: guard.endpoint, ...(now && { now }) });

beforeAll(async () => {
  sqs = await startSqs();
  sqs.server.createBucket(bucket);
  const names = { tables: {} as never, queues: {}, bucket, secrets: {} as never };
  guard = await startAccessGuard({ service: 'sqs-and-s3', target: sqs.endpoint, names, tokenMode: 'sharedSecret', onDenied: (message) => denials.push(message) });
}, 60_000);

afterAll(async () => {
  await guard?.stop();
  await sqs?.stop();
});

const file = Buffer.from('%PDF-1.7 an invoice, byte for byte');
const put = (upload: { url: string; headers: Readonly<Record<string, string>> }, body: Buffer, headers: Record<string, string> = {}) =>
  fetch(upload.url, { method: 'PUT', headers: { 'content-type': upload.headers['content-type'] ?? '', ...headers }, body });

describe('an uploaded file', () => {
  it('is PUT through the send function’s signed URL, and served by the sender’s signed link with its type and name', async () => {
    // Arrange
    const key = uploadKeyOf('acme', 'med_integration_roundtrip_0001');
    const upload = await storeAs('send').presignPut(key, 'application/pdf', file.length, 900);

    // Act
    const stored = await put(upload, file);
    const link = await storeAs('sender').presignGet(key, 3600, { contentType: 'application/pdf', filename: 'invoice.pdf', inline: true });
    const served = await fetch(link.url);

    // Assess
    expect(stored.status).toBe(200);
    expect(served.status).toBe(200);
    expect(Buffer.from(await served.arrayBuffer())).toEqual(file);
    const objects = uploadObjectsOn(new S3Client({ region: localRegion, credentials: credentialsOf('send'), endpoint: guard.endpoint, forcePathStyle: true }), bucket);
    expect(await objects.head(key)).toEqual({ sizeBytes: file.length });
    expect(await objects.head(uploadKeyOf('acme', 'med_never_uploaded_000000000'))).toBeUndefined();
  });

  it('is refused when the body is larger than the size signed into the URL, and nothing is stored', async () => {
    // Arrange
    const key = uploadKeyOf('acme', 'med_integration_too_large_01');
    const upload = await storeAs('send').presignPut(key, 'image/png', 10, 900);

    // Act
    const refused = await put(upload, Buffer.alloc(11 * 1024, 1));

    // Assess
    expect(refused.status).toBe(403);
    expect(await refused.text()).toContain('<Code>SignatureDoesNotMatch</Code>');
    const objects = uploadObjectsOn(new S3Client({ region: localRegion, credentials: localCredentials, endpoint: sqs.endpoint, forcePathStyle: true }), bucket);
    expect(await objects.head(key)).toBeUndefined();
  });

  it('is refused through an expired URL, or one signed by a function not granted uploads/', async () => {
    // Arrange
    const signedLongAgo = await storeAs('send', () => new Date(Date.now() - 16 * 60_000)).presignPut(uploadKeyOf('acme', 'med_integration_expired_0001'), 'image/png', file.length, 900);
    const signedByQuery = await storeAs('query').presignPut(uploadKeyOf('acme', 'med_integration_no_grant_001'), 'image/png', file.length, 900);

    // Act
    const expired = await put(signedLongAgo, file);
    const ungranted = await put(signedByQuery, file);

    // Assess
    expect([expired.status, await expired.text()]).toEqual([403, expect.stringContaining('Request has expired')]);
    expect(ungranted.status).toBe(403);
    expect(denials.at(-1)).toContain('query is not authorized to perform: s3:PutObject on resource: upload-bodies/uploads/acme/med_integration_no_grant_001');
  });
});
