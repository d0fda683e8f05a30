import { randomBytes } from 'node:crypto';
import { createServer, request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { bodyStoreOn, createBodyStore, signedBodyStore, type BodyStore, type BodyWriter } from '../../functions/adapters/body-store.ts';
import { s3 } from '../../functions/adapters/clients.ts';
import { listeningUrl, loopbackHost } from '../../lib/local/address.ts';
import { localCredentials, localRegion } from '../../lib/local/aws.ts';
import { closeServer } from '../../lib/local/http-gateway.ts';
import { startSqs } from '../helpers/services.ts';

let fauxqs: Awaited<ReturnType<typeof startSqs>>;
beforeAll(async () => {
  fauxqs = await startSqs();
  fauxqs.server.createBucket('bodies');
  // As the local runtime gives a function its S3: the SDK's default chain and AWS_ENDPOINT_URL_S3.
  for (const [name, value] of Object.entries(fauxqs.handlerEnvironment)) vi.stubEnv(name, value);
});
afterAll(async () => {
  vi.unstubAllEnvs();
  await fauxqs?.stop();
});

const cliStore = (bucket: string) => createBodyStore({ bucket, credentials: localCredentials, region: localRegion, endpoint: fauxqs.endpoint });
const stores: [string, (bucket: string) => BodyStore][] = [
  ["a function's, on its process's S3 client", (bucket) => bodyStoreOn(s3(), bucket)],
  ["the CLI's, on a client of its own", cliStore],
];
const writers: [string, (bucket: string) => BodyWriter][] = [
  ...stores,
  ["the ack's, signed by hand", (bucket) => signedBodyStore({ bucket, credentials: async () => localCredentials, region: async () => localRegion, endpoint: fauxqs.endpoint })],
];

/** A front that answers the first `failures` requests with S3's transient failure (500 InternalError), and passes the rest to `target`. */
const startFlakyFront = async (target: string, failures: number) => {
  let refused = 0;
  const server = createServer((incoming, outgoing) => {
    if (refused < failures) {
      refused++;
      incoming.resume().on('end', () => {
        outgoing.writeHead(500, { 'content-type': 'application/xml' }).end('<Error><Code>InternalError</Code><Message>We encountered an internal error. Please try again.</Message></Error>');
      });
      return;
    }
    const forwarded = request(new URL(incoming.url ?? '/', target), { method: incoming.method, headers: incoming.headers }, (answer) => {
      outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(outgoing);
    });
    incoming.pipe(forwarded);
  });
  server.listen(0, loopbackHost);
  await new Promise<void>((resolve, reject) => server.once('listening', resolve).once('error', reject));
  return { endpoint: listeningUrl('http', server), refused: () => refused, stop: () => closeServer(server) };
};

describe.each(writers)('body store on the fauxqs S3 stand-in: %s', (_, writerFor) => {
  it('keeps a large binary body byte for byte', async () => {
    // Prepare
    const body = randomBytes(3 * 1024 * 1024);

    // Act
    await writerFor('bodies').put('bodies/2026-11-23/req_large', body);
    const read = await cliStore('bodies').get('bodies/2026-11-23/req_large');

    // Assess
    expect(read.equals(body)).toBe(true);
  });

  it('fails loudly, naming the key, when the bucket is missing', async () => {
    await expect(writerFor('no-such-bucket').put('k', Buffer.from('x'))).rejects.toThrow(/S3 PUT no-such-bucket\/k/);
  });
});

describe.each(stores)('reading the body store: %s', (_, storeFor) => {
  it('fails loudly, naming the key, when the object is missing', async () => {
    await expect(storeFor('bodies').get('bodies/missing')).rejects.toThrow(/S3 GET bodies\/bodies\/missing/);
  });
});

describe('body store on the S3 client', () => {
  it('rides out S3 failing now and then, retrying as the SDK does', async () => {
    // Prepare
    const front = await startFlakyFront(fauxqs.endpoint, 2);
    const store = createBodyStore({ bucket: 'bodies', credentials: localCredentials, region: localRegion, endpoint: front.endpoint });
    const body = randomBytes(64 * 1024);

    try {
      // Act
      await store.put('bodies/2026-11-23/req_retried', body);
      const read = await store.get('bodies/2026-11-23/req_retried');

      // Assess
      expect(read.equals(body)).toBe(true);
      expect(front.refused()).toBe(2);
    } finally {
      await front.stop();
    }
  });
});
