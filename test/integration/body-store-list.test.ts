import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBodyStore } from '../../functions/adapters/body-store.ts';
import { localCredentials, localRegion } from '../../lib/local/aws.ts';
import { startSqs } from '../helpers/services.ts';

/** The body store's listing, which `switchboard archive` reads a day of the archive with, against fauxqs's S3. */

let fauxqs: Awaited<ReturnType<typeof startSqs>>;
beforeAll(async () => {
  fauxqs = await startSqs();
  fauxqs.server.createBucket('listed');
});
afterAll(async () => {
  await fauxqs?.stop();
});

describe('listing the body store', () => {
  it('lists every key under a prefix, over more than one page of 1,000, and none beside it', async () => {
    // Prepare
    const store = createBodyStore({ bucket: 'listed', credentials: localCredentials, region: localRegion, endpoint: fauxqs.endpoint });
    const day = Array.from({ length: 1005 }, (_, index) => `archive/2026-11-22/req_${String(index).padStart(4, '0')}.json`);
    const beside = ['archive/2026-11-23/req_next.json', 'bodies/2026-11-22/req_0001'];
    for (let start = 0; start < day.length; start += 100) await Promise.all([...day.slice(start, start + 100)].map((key) => store.put(key, Buffer.from('{}'))));
    await Promise.all(beside.map((key) => store.put(key, Buffer.from('{}'))));

    // Act
    const listed = await store.list('archive/2026-11-22/');
    const none = await store.list('archive/2026-11-24/');

    // Assess
    expect(listed).toEqual(day);
    expect(none).toEqual([]);
  });

  it('names the bucket and prefix when listing fails', async () => {
    const store = createBodyStore({ bucket: 'no-such-bucket', credentials: localCredentials, region: localRegion, endpoint: fauxqs.endpoint });

    await expect(store.list('archive/2026-11-22/')).rejects.toThrow(/^S3 LIST no-such-bucket\/archive\/2026-11-22\/ failed: /);
  });
});
