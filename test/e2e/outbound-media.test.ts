import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueToken } from '../../functions/core/tokens.ts';
import { uploadFile } from '../../lib/cli/upload.ts';
import { ourIdOf, startSendingStack, type SendingStack } from '../helpers/sending-stack.ts';
import { waitUntil } from '../helpers/waiting.ts';

/**
 * Attaching a file as the inbox does, on the local stack: POST /media, PUT the file to the
 * signed URL, send an MMS naming the mediaId; Twilio's stand-in is handed a MediaUrl that
 * serves the same bytes. Another tenant naming that mediaId is answered as for none.
 */

const business = '+15005550006';
const customer = '+14155550142';
const picture = Buffer.concat([Buffer.from('89504e470d0a1a0a', 'hex'), Buffer.alloc(2048, 7)]);

let stack: SendingStack;
let acmeEndpoint: string;
let globexEndpoint: string;

beforeAll(async () => {
  stack = await startSendingStack();
  acmeEndpoint = await stack.addTwilioSender('acme', { accountSid: `AC${'0'.repeat(31)}a`, authToken: 'acme-media-token-0123456789abcdef', from: business, callbacks: false });
  globexEndpoint = await stack.addTwilioSender('globex', { accountSid: `AC${'0'.repeat(31)}b`, authToken: 'globex-media-token-0123456789abcd', from: business, callbacks: false });
}, 60_000);

afterAll(async () => {
  await stack?.stop();
});

interface UploadAnswer {
  mediaId: string;
  upload: { url: string; method: string; headers: Record<string, string> };
  expiresAt: string;
}

describe('sending an uploaded file', () => {
  it('uploads through a signed URL, sends it as an MMS, and Twilio gets a MediaUrl serving the bytes', async () => {
    // Arrange
    const asked = await stack.post('acme', '/media', { contentType: 'image/png', filename: 'receipt.png', sizeBytes: picture.length }, 'unused');
    const { mediaId, upload } = asked.body as unknown as UploadAnswer;
    const put = await fetch(upload.url, { method: upload.method, headers: { 'content-type': upload.headers['content-type'] ?? '' }, body: picture });

    // Act
    const sent = await stack.post('acme', '/messages', { channel: 'mms', endpointId: acmeEndpoint, to: customer, text: 'Your receipt', media: [{ mediaId }] }, 'media-1');
    const messageId = String(sent.body.id);
    await waitUntil(() => stack.twilio.messages.some((message) => ourIdOf(message) === messageId), 'the stand-in to take the MMS', 15_000);

    // Assess
    expect(asked.status).toBe(201);
    expect(asked.body).toMatchObject({ mediaId: expect.stringMatching(/^med_/), upload: { method: 'PUT', headers: { 'content-type': 'image/png', 'content-length': String(picture.length) } } });
    expect(put.status).toBe(200);
    expect(sent.status).toBe(202);
    const taken = stack.twilio.messages.find((message) => ourIdOf(message) === messageId);
    expect(taken?.media).toHaveLength(1);
    const served = await fetch(taken?.media[0] ?? '');
    expect(served.status).toBe(200);
    expect(served.headers.get('content-type')).toBe('image/png');
    expect(Buffer.from(await served.arrayBuffer())).toEqual(picture);
    const stored = (await stack.message(messageId))?.media as Record<string, unknown>[];
    expect(stored).toEqual([{ mediaId, state: 'ready', storedKey: `uploads/acme/${mediaId}`, contentType: 'image/png', filename: 'receipt.png', sizeBytes: picture.length }]);

    // The API shows the file, never where it is kept.
    const token = await issueToken('acme', stack.description.jwtSecret, 600);
    const listed = (await (await fetch(`${stack.description.httpUrl}/conversations/${String(sent.body.conversationId)}/messages`, { headers: { authorization: `Bearer ${token}` } })).json()) as { messages: { id: string; media: unknown[] }[] };
    const shown = listed.messages.find((message) => message.id === messageId);
    expect(shown?.media).toEqual([
      { mediaId, state: 'ready', contentType: 'image/png', filename: 'receipt.png', sizeBytes: picture.length, link: expect.any(String), linkExpiresAt: expect.any(String) },
    ]);
    // The agent sees what was sent through a signed link of its own.
    const link = (shown?.media[0] as { link: string }).link;
    expect(Buffer.from(await (await fetch(link)).arrayBuffer())).toEqual(picture);
  });

  it('refuses a file over the declared size at upload, and another tenant’s mediaId as one that does not exist', async () => {
    // Arrange
    const asked = await stack.post('acme', '/media', { contentType: 'image/jpeg', filename: 'photo.jpg', sizeBytes: 1024 }, 'unused');
    const { mediaId, upload } = asked.body as unknown as UploadAnswer;

    // Act
    const tooBig = await fetch(upload.url, { method: 'PUT', headers: { 'content-type': 'image/jpeg' }, body: Buffer.alloc(4096) });
    const theirs = await stack.post('globex', '/messages', { channel: 'mms', endpointId: globexEndpoint, to: customer, media: [{ mediaId }] }, 'media-2');
    const acmesOwn = await stack.post('acme', '/messages', { channel: 'mms', endpointId: acmeEndpoint, to: customer, media: [{ mediaId }] }, 'media-3');
    const fiftyMegabytes = await stack.post('acme', '/media', { contentType: 'video/mp4', filename: 'film.mp4', sizeBytes: 50 * 1024 * 1024 }, 'unused');

    // Assess
    expect(tooBig.status).toBe(403);
    expect(theirs.status).toBe(404);
    expect(theirs.body).toMatchObject({ error: expect.stringContaining(`no uploaded file ${mediaId}`) });
    // Nothing was stored at the key: its own tenant is told to upload it.
    expect(acmesOwn.status).toBe(400);
    expect(acmesOwn.body).toMatchObject({ error: expect.stringContaining('photo.jpg was never uploaded') });
    expect(fiftyMegabytes.status).toBe(413);
  });

  it('takes a file from the CLI’s --file: uploaded as the tenant, then sent by its mediaId', async () => {
    // Arrange
    const path = join(await mkdtemp(join(tmpdir(), 'switchboard-upload-')), 'menu.pdf');
    const pdf = Buffer.from('%PDF-1.7 today’s menu');
    await writeFile(path, pdf);
    const target = { publicBaseUrl: stack.description.httpUrl, jwtSecret: async () => stack.description.jwtSecret, tokenMaxLifetimeSeconds: 3600 };

    // Act
    const mediaId = await uploadFile(target, 'acme', path);
    const sent = await stack.post('acme', '/messages', { channel: 'mms', endpointId: acmeEndpoint, to: customer, media: [{ mediaId }] }, 'media-cli');
    await waitUntil(() => stack.twilio.messages.some((message) => ourIdOf(message) === String(sent.body.id)), 'the stand-in to take the MMS', 15_000);

    // Assess
    const taken = stack.twilio.messages.find((message) => ourIdOf(message) === String(sent.body.id));
    const served = await fetch(taken?.media[0] ?? '');
    expect(served.headers.get('content-type')).toBe('application/pdf');
    expect(Buffer.from(await served.arrayBuffer())).toEqual(pdf);
  });
});
