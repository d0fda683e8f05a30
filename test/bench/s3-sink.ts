import { createServer } from 'node:http';
import { once } from 'node:events';
import { freePort } from '../helpers/ports.ts';

/**
 * An S3 endpoint that takes any PutObject and keeps only what was put (key, size, type), for a
 * bench step whose objects are larger than fauxqs takes: its Fastify server refuses a body over
 * 11 MiB (fauxqs 2.4.1, dist/app.js `bodyLimit`), where S3 takes up to 5 GB in one PUT
 * (https://docs.aws.amazon.com/AmazonS3/latest/userguide/upload-objects.html). Path-style, as
 * the functions address a local endpoint (functions/adapters/clients.ts).
 */
export interface PutObjectSeen {
  readonly bucket: string;
  readonly key: string;
  readonly bytes: number;
  readonly contentType?: string;
}

export const startS3Sink = async () => {
  const puts: PutObjectSeen[] = [];
  const server = createServer((request, response) => {
    const [, bucket = '', ...key] = decodeURIComponent(new URL(request.url ?? '/', 'http://127.0.0.1').pathname).split('/');
    let bytes = 0;
    request.on('data', (chunk: Buffer) => void (bytes += chunk.length));
    request.on('end', () => {
      if (request.method !== 'PUT' || key.length === 0) {
        response.writeHead(405).end();
        return;
      }
      // A body the SDK sent aws-chunked carries its checksum trailer: its own length is in this header.
      const decoded = Number(request.headers['x-amz-decoded-content-length']);
      puts.push({ bucket, key: key.join('/'), bytes: Number.isFinite(decoded) ? decoded : bytes, ...(request.headers['content-type'] && { contentType: request.headers['content-type'] }) });
      response.writeHead(200, { etag: `"${puts.length}"` }).end();
    });
  });
  server.listen(await freePort(), '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  return {
    url: `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`,
    puts,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
};
