import { S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMediaStore } from '../../functions/adapters/media-store.ts';
import { mediaFilesOn } from '../../functions/adapters/media-writer.ts';
import { mediaKeyOf } from '../../functions/core/media.ts';
import type { FunctionName } from '../../lib/definitions/functions.ts';
import { functionAccessKeyId, startAccessGuard } from '../../lib/local/access-guard.ts';
import { localCredentials, localRegion } from '../../lib/local/aws.ts';
import { startSqs } from '../helpers/services.ts';

/**
 * A kept file against fauxqs's S3 behind the local access guard, as deployed: the media
 * function puts it under its tenant, the query function signs a GET link to it, and S3's
 * checks (which the guard plays) hold the link to its key, its time and its signer's grants.
 */

let sqs: Awaited<ReturnType<typeof startSqs>>;
let guard: Awaited<ReturnType<typeof startAccessGuard>>;
const denials: string[] = [];
const bucket = 'media-bodies';
const png = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==', 'base64');

const credentialsOf = (name: FunctionName) => ({ accessKeyId: functionAccessKeyId(name), secretAccessKey: localCredentials.secretAccessKey });
const linksAs = (name: FunctionName, now?: () => Date) =>
  createMediaStore({ bucket, credentials: async () => credentialsOf(name), region: async () => localRegion, endpoint: guard.endpoint, ...(now && { now }) });

beforeAll(async () => {
  sqs = await startSqs();
  sqs.server.createBucket(bucket);
  guard = await startAccessGuard({ service: 'sqs-and-s3', target: sqs.endpoint, names: { tables: {} as never, queues: {}, bucket, secrets: {} as never }, tokenMode: 'sharedSecret', onDenied: (message) => denials.push(message) });
  const mediaFunction = new S3Client({ endpoint: guard.endpoint, forcePathStyle: true, region: localRegion, credentials: credentialsOf('media') });
  await mediaFilesOn(mediaFunction, bucket).put(mediaKeyOf('acme', 'msg_1', 0), png, 'image/png');
}, 60_000);

afterAll(async () => {
  await guard?.stop();
  await sqs?.stop();
});

describe('a kept media file', () => {
  it('is served by the query function’s signed link with the type it was stored with, and a link naming it for inline display', async () => {
    const link = await linksAs('query').presignGet(mediaKeyOf('acme', 'msg_1', 0), 900, { contentType: 'image/png', filename: 'receipt.png', inline: true });

    const response = await fetch(link.url);

    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('image/png');
    // S3 answers with the response-content-disposition the link signs; fauxqs keeps to the stored object's headers.
    expect(new URL(link.url).searchParams.get('response-content-disposition')).toBe(`inline; filename="receipt.png"; filename*=UTF-8''receipt.png`);
    expect(Buffer.from(await response.arrayBuffer()).equals(png)).toBe(true);
  });

  it('refuses a link moved to another key, one past its time, and one signed by a function without the grant', async () => {
    const link = new URL((await linksAs('query').presignGet(mediaKeyOf('acme', 'msg_1', 0), 900)).url);
    const moved = new URL(link);
    moved.pathname = moved.pathname.replace('/acme/', '/globex/');
    const expired = await linksAs('query', () => new Date(Date.now() - 16 * 60_000)).presignGet(mediaKeyOf('acme', 'msg_1', 0), 900);
    const byMedia = await linksAs('media').presignGet(mediaKeyOf('acme', 'msg_1', 0), 900);

    expect((await fetch(moved)).status).toBe(403);
    expect((await fetch(expired.url)).status).toBe(403);
    expect((await fetch(byMedia.url)).status).toBe(403);
    expect(denials.some((denial) => denial.includes('media') && denial.includes('s3:GetObject'))).toBe(true);
  });
});
