import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMediaFetcher } from '../../functions/adapters/media-fetch.ts';
import { defaultMediaLimits, MediaUnavailable } from '../../functions/core/media.ts';
import { freePort } from '../helpers/ports.ts';

/** A server on 127.0.0.1 that answers by path and records what it was asked. */
const startServer = async (route: (request: IncomingMessage, response: ServerResponse) => void) => {
  const requests: IncomingMessage[] = [];
  const server: Server = createServer((request, response) => {
    requests.push(request);
    route(request, response);
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    origin: `http://127.0.0.1:${port}`,
    port,
    requests,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
};

const failureOf = async (promise: Promise<unknown>): Promise<string> => {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(MediaUnavailable);
  return (error as MediaUnavailable).failure;
};

describe('the media fetcher against servers on 127.0.0.1', () => {
  let allowed: Awaited<ReturnType<typeof startServer>>;
  let cdn: Awaited<ReturnType<typeof startServer>>;
  let internal: Awaited<ReturnType<typeof startServer>>;
  const fiftyMegabytes = 50 * 1024 * 1024;
  let bytesSentOfFifty = 0;

  beforeAll(async () => {
    internal = await startServer((_request, response) => response.end('secret'));
    cdn = await startServer((request, response) => {
      if (request.url === '/file') response.writeHead(200, { 'content-type': 'image/png' }).end('cdn bytes');
      else response.writeHead(404).end();
    });
    allowed = await startServer((request, response) => {
      const [path, query] = (request.url ?? '').split('?');
      const attempts = allowed.requests.filter((seen) => seen.url === request.url).length;
      switch (path) {
        case '/file':
          return void response.writeHead(200, { 'content-type': 'image/jpeg' }).end('jpeg bytes');
        case '/to-internal':
          return void response.writeHead(302, { location: `${internal.origin}/latest/meta-data` }).end();
        case '/to-metadata':
          return void response.writeHead(307, { location: 'http://169.254.169.254/latest/meta-data/iam/security-credentials/' }).end();
        case '/to-file-scheme':
          return void response.writeHead(302, { location: 'file:///etc/passwd' }).end();
        case '/to-cdn':
          return void response.writeHead(307, { location: `${cdn.origin}/file` }).end();
        case '/to-self':
          return void response.writeHead(301, { location: '/file' }).end();
        case '/loop':
          return void response.writeHead(302, { location: `/loop?${Number(query ?? 0) + 1}` }).end();
        case '/fifty-megabytes': {
          // Declares 50 MB and sends it slowly: the cap must refuse it from the header alone.
          response.writeHead(200, { 'content-type': 'video/mp4', 'content-length': String(fiftyMegabytes) });
          const chunk = Buffer.alloc(64 * 1024);
          const timer = setInterval(() => {
            bytesSentOfFifty += chunk.length;
            if (!response.write(chunk) || bytesSentOfFifty >= fiftyMegabytes) clearInterval(timer);
          }, 5);
          response.on('close', () => clearInterval(timer));
          return;
        }
        case '/chunked-two-megabytes':
          response.writeHead(200, { 'content-type': 'video/mp4' });
          for (let index = 0; index < 32; index++) response.write(Buffer.alloc(64 * 1024));
          return void response.end();
        case '/gone':
          return void response.writeHead(404).end();
        case '/flaky':
          return void (attempts < 3 ? response.writeHead(503).end() : response.writeHead(200, { 'content-type': 'image/png' }).end('third time'));
        case '/down':
          return void response.writeHead(500).end();
        case '/stall':
          return void response.writeHead(200, { 'content-type': 'image/png' });
        default:
          return void response.writeHead(404).end();
      }
    });
  });

  afterAll(async () => {
    await Promise.all([allowed?.close(), cdn?.close(), internal?.close()]);
  });

  const fetcher = (limits = {}) =>
    createMediaFetcher({ limits: { ...defaultMediaLimits, ...limits }, loopbackOrigins: [allowed.origin, cdn.origin], backoffBaseMs: 5 }).fetchFile;

  it('fetches from an allow-listed loopback origin, with the type it declares', async () => {
    const file = await fetcher()({ url: `${allowed.origin}/file` });
    expect(file).toEqual({ bytes: Buffer.from('jpeg bytes'), contentType: 'image/jpeg' });
  });

  it('refuses a loopback origin not on the list, and a name that resolves to loopback, before connecting', async () => {
    expect(await failureOf(fetcher()({ url: `${internal.origin}/latest/meta-data` }))).toBe('private_address');
    // The same port by name: the lookup answers 127.0.0.1 and refuses it, as it would a rebinding name.
    expect(await failureOf(fetcher()({ url: `http://localhost:${allowed.port}/file` }))).toBe('private_address');
    expect(internal.requests).toHaveLength(0);
  });

  it('never follows a redirect to a private address or another scheme', async () => {
    expect(await failureOf(fetcher()({ url: `${allowed.origin}/to-internal` }))).toBe('private_address');
    expect(await failureOf(fetcher()({ url: `${allowed.origin}/to-metadata` }))).toBe('private_address');
    expect(await failureOf(fetcher()({ url: `${allowed.origin}/to-file-scheme` }))).toBe('private_address');
    expect(internal.requests).toHaveLength(0);
  });

  it('sends credentials to their own origin and a redirect that stays on it, never to the CDN it redirects to', async () => {
    const authorization = 'Basic QUMxOnRva2Vu';
    const before = allowed.requests.length;
    expect((await fetcher()({ url: `${allowed.origin}/to-self`, authorization })).bytes.toString()).toBe('jpeg bytes');
    expect((await fetcher()({ url: `${allowed.origin}/to-cdn`, authorization })).bytes.toString()).toBe('cdn bytes');
    expect(allowed.requests.slice(before).map((request) => [request.url, request.headers.authorization])).toEqual([
      ['/to-self', authorization],
      ['/file', authorization],
      ['/to-cdn', authorization],
    ]);
    expect(cdn.requests.map((request) => request.headers.authorization)).toEqual([undefined]);
  });

  it('stops after 5 redirects', async () => {
    expect(await failureOf(fetcher()({ url: `${allowed.origin}/loop?0` }))).toBe('too_many_redirects');
  });

  it('refuses a 50 MB file by its Content-Length, without reading it', async () => {
    expect(await failureOf(fetcher()({ url: `${allowed.origin}/fifty-megabytes` }))).toBe('too_large');
    expect(bytesSentOfFifty).toBeLessThan(1024 * 1024);
  });

  it('refuses a body with no length once it streams past the cap', async () => {
    expect(await failureOf(fetcher({ maxBytes: 1024 * 1024 })({ url: `${allowed.origin}/chunked-two-megabytes` }))).toBe('too_large');
  });

  it('takes a 4xx as final and retries a 5xx with backoff, up to the attempts configured', async () => {
    expect(await failureOf(fetcher()({ url: `${allowed.origin}/gone` }))).toBe('http_404');
    expect(allowed.requests.filter((request) => request.url === '/gone')).toHaveLength(1);
    expect((await fetcher()({ url: `${allowed.origin}/flaky` })).bytes.toString()).toBe('third time');
    expect(await failureOf(fetcher()({ url: `${allowed.origin}/down` }))).toBe('http_500');
    expect(allowed.requests.filter((request) => request.url === '/down')).toHaveLength(3);
  });

  it('gives each attempt its deadline, and retries a timeout', async () => {
    expect(await failureOf(fetcher({ timeoutMs: 150, attempts: 2 })({ url: `${allowed.origin}/stall` }))).toBe('timeout');
    expect(allowed.requests.filter((request) => request.url === '/stall')).toHaveLength(2);
  });
});
