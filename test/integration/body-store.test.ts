import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBodyStore } from '../../functions/adapters/body-store.ts';
import { localCredentials, localRegion } from '../../lib/local/aws.ts';
import { startSqs } from '../helpers/services.ts';

let fauxqs: Awaited<ReturnType<typeof startSqs>>;
beforeAll(async () => {
  fauxqs = await startSqs();
  fauxqs.server.createBucket('bodies');
});
afterAll(async () => {
  await fauxqs?.stop();
});

const storeFor = (bucket: string) =>
  createBodyStore({ bucket, credentials: async () => localCredentials, region: async () => localRegion, endpoint: fauxqs.endpoint });

describe('body store on the fauxqs S3 stand-in', () => {
  it('keeps a large binary body byte for byte', async () => {
    // Prepare
    const body = randomBytes(3 * 1024 * 1024);

    // Act
    await storeFor('bodies').put('bodies/2026-11-23/req_large', body);
    const read = await storeFor('bodies').get('bodies/2026-11-23/req_large');

    // Assess
    expect(read.equals(body)).toBe(true);
  });

  it('fails loudly, naming the key, when the object or bucket is missing', async () => {
    await expect(storeFor('bodies').get('bodies/missing')).rejects.toThrow(/bodies\/missing answered 404/);
    await expect(storeFor('no-such-bucket').put('k', Buffer.from('x'))).rejects.toThrow(/answered 404/);
  });
});
