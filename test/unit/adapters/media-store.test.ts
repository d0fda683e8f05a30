import { S3RequestPresigner } from '@aws-sdk/s3-request-presigner';
import { describe, expect, it } from 'vitest';
import { contentDisposition, createMediaStore } from '../../../functions/adapters/media-store.ts';
import { Sha256 } from '../../../functions/adapters/sha256.ts';

const credentials = { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' };
const signingDate = new Date('2026-12-03T10:00:00Z');
const store = (endpoint?: string) =>
  createMediaStore({ bucket: 'bodies-bucket', credentials: async () => credentials, region: async () => 'eu-west-1', ...(endpoint && { endpoint }), now: () => signingDate });
/** The SDK's own S3 presigner on the same request at the same instant: the reference every S3 client agrees with. */
const sdkPresigned = async (url: URL, method: string, headers: Record<string, string> = {}) => {
  const presigner = new S3RequestPresigner({ credentials, region: 'eu-west-1', sha256: Sha256 });
  const query = Object.fromEntries([...url.searchParams].filter(([name]) => !name.startsWith('X-Amz-')));
  const request = { method, protocol: url.protocol, hostname: url.hostname, ...(url.port && { port: Number(url.port) }), path: url.pathname, query, headers: { host: url.host, ...headers } };
  const signed = await presigner.presign(request, { expiresIn: 900, signingDate, signableHeaders: new Set(Object.keys(headers)) });
  return signed.query?.['X-Amz-Signature'];
};

describe('media store', () => {
  it('signs a GET exactly as the AWS SDK presigner does, with the type and download name S3 answers with', async () => {
    const key = 'media/tenant-a/msg_1/0';
    const link = await store().presignGet(key, 900, { contentType: 'image/jpeg', filename: 'photo of me.jpg', inline: true });

    const url = new URL(link.url);
    expect(url.host).toBe('bodies-bucket.s3.eu-west-1.amazonaws.com');
    expect(url.pathname).toBe(`/${key}`);
    expect(url.searchParams.get('X-Amz-Expires')).toBe('900');
    expect(url.searchParams.get('response-content-type')).toBe('image/jpeg');
    expect(link.expiresAt).toBe('2026-12-03T10:15:00.000Z');
    expect(url.searchParams.get('X-Amz-Signature')).toBe(await sdkPresigned(url, 'GET'));
    expect(link.url).not.toContain(credentials.secretAccessKey);
  });

  it('signs a PUT bound to its content type and exact size, path-style on a stand-in endpoint', async () => {
    const upload = await store('http://127.0.0.1:4566').presignPut('media/tenant-a/up_1/0', 'application/pdf', 1234, 600);

    const url = new URL(upload.url);
    expect(`${url.origin}${url.pathname}`).toBe('http://127.0.0.1:4566/bodies-bucket/media/tenant-a/up_1/0');
    expect(upload.method).toBe('PUT');
    expect(upload.headers).toEqual({ 'content-type': 'application/pdf', 'content-length': '1234' });
    expect(url.searchParams.get('X-Amz-SignedHeaders')).toBe('content-length;content-type;host');
    expect(upload.expiresAt).toBe('2026-12-03T10:10:00.000Z');
    url.searchParams.set('X-Amz-Expires', '900');
    const sameAtNineHundred = await store('http://127.0.0.1:4566').presignPut('media/tenant-a/up_1/0', 'application/pdf', 1234, 900);
    expect(new URL(sameAtNineHundred.url).searchParams.get('X-Amz-Signature')).toBe(await sdkPresigned(url, 'PUT', upload.headers));
  });

  it('refuses a link that would outlive SigV4 or a size that is not a byte count', async () => {
    await expect(store().presignGet('media/t/m/0', 8 * 24 * 3600)).rejects.toThrow(RangeError);
    await expect(store().presignGet('media/t/m/0', 0)).rejects.toThrow(RangeError);
    await expect(store().presignPut('media/t/m/0', 'image/png', -1, 60)).rejects.toThrow(RangeError);
  });

  it('offers a non-ASCII download name both as an ASCII fallback and exactly, per RFC 6266', () => {
    expect(contentDisposition(false, 'Überweisung "März".pdf')).toBe(`attachment; filename="_berweisung _M_rz_.pdf"; filename*=UTF-8''%C3%9Cberweisung%20%22M%C3%A4rz%22.pdf`);
    expect(contentDisposition(true, undefined)).toBe('inline');
  });
});
