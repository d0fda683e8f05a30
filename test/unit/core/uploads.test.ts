import { describe, expect, it } from 'vitest';
import { acceptSend, type AcceptDependencies, type Item } from '../../../functions/core/accept.ts';
import { Refused } from '../../../functions/core/errors.ts';
import { conversationIdFor } from '../../../functions/core/ids.ts';
import { publicView } from '../../../functions/core/items.ts';
import { checkFilesFor } from '../../../functions/core/media-limits.ts';
import type { ProviderSender, SendRequest } from '../../../functions/core/outbound.ts';
import { sendQueued, type SenderDependencies } from '../../../functions/core/send.ts';
import type { OutboundMessage } from '../../../functions/core/sending-items.ts';
import { requestUpload, resolveUploads, uploadKeyOf, type StoredUpload, type UploadDependencies, type UploadRecord } from '../../../functions/core/uploads.ts';
import { aConversationKey, anEndpoint, anOutboundMessage } from '../../helpers/factories.ts';

const start = new Date('2026-11-22T12:00:00.000Z');
const MB = 1024 * 1024;

/** Uploads in memory: declared records by tenant and id, objects by key with their real size. */
const fakeUploads = () => {
  const records = new Map<string, UploadRecord>();
  const objects = new Map<string, number>();
  const signed: { key: string; contentType: string; sizeBytes: number; expiresInSeconds: number }[] = [];
  const deps: UploadDependencies = {
    presignPut: async (key, contentType, sizeBytes, expiresInSeconds) => {
      signed.push({ key, contentType, sizeBytes, expiresInSeconds });
      return { url: `https://bucket.example/${key}?X-Amz-Signature=abc`, headers: { 'content-type': contentType, 'content-length': String(sizeBytes) }, expiresAt: '2026-11-22T12:15:00.000Z' };
    },
    saveUpload: async (record) => void records.set(`${record.tenantId}|${record.mediaId}`, record),
    upload: async (tenantId, mediaId) => records.get(`${tenantId}|${mediaId}`),
    head: async (key) => (objects.has(key) ? { sizeBytes: objects.get(key)! } : undefined),
    now: () => start,
  };
  /** Stands for the client's PUT: S3 keeps the object at the signed key, of the size it was sent. */
  const put = (key: string, sizeBytes: number) => void objects.set(key, sizeBytes);
  return { deps, signed, put };
};

const uploaded = async (uploads: ReturnType<typeof fakeUploads>, tenantId: string, file: { contentType: string; filename: string; sizeBytes: number }) => {
  const answer = await requestUpload(tenantId, file, uploads.deps);
  uploads.put(uploadKeyOf(tenantId, answer.body.mediaId), file.sizeBytes);
  return answer.body.mediaId;
};

const refusal = async (promise: Promise<unknown>) => {
  const error = await promise.then(() => undefined, (caught: unknown) => caught);
  expect(error).toBeInstanceOf(Refused);
  return error as Refused;
};

describe('requestUpload', () => {
  it('signs a PUT of the declared type and size to a key made from the caller’s tenant, whatever the body says', async () => {
    const uploads = fakeUploads();
    const answer = await requestUpload('acme', { contentType: 'image/png', filename: 'cat.png', sizeBytes: 1234 }, uploads.deps);

    expect(answer.statusCode).toBe(201);
    expect(answer.body.mediaId).toMatch(/^med_[\w-]{26}$/);
    expect(answer.body.upload).toMatchObject({ method: 'PUT', headers: { 'content-type': 'image/png', 'content-length': '1234' } });
    expect(uploads.signed).toEqual([{ key: `uploads/acme/${answer.body.mediaId}`, contentType: 'image/png', sizeBytes: 1234, expiresInSeconds: 900 }]);
    // A body naming another tenant or a key is refused outright: neither is the caller's to choose.
    expect((await refusal(requestUpload('acme', { contentType: 'image/png', filename: 'a.png', sizeBytes: 1, tenantId: 'globex' }, uploads.deps))).reason).toBe('bad_request');
  });

  it('refuses a file over the per-file cap (413), a wrong type for the named channel, and a path for a name', async () => {
    const uploads = fakeUploads();
    const tooLarge = await refusal(requestUpload('acme', { contentType: 'video/mp4', filename: 'film.mp4', sizeBytes: 50 * MB }, uploads.deps));
    expect(tooLarge.reason).toBe('too_large');
    expect(tooLarge.message).toBe('film.mp4 is 50 MB: files of up to 25 MB can be uploaded');

    const mms = await refusal(requestUpload('acme', { contentType: 'image/png', filename: 'big.png', sizeBytes: 6 * MB, channel: 'mms' }, uploads.deps));
    expect([mms.reason, mms.message]).toEqual(['too_large', 'big.png (image/png) is 6 MB: mms takes image/png files of up to 5 MB']);

    const wrongType = await refusal(requestUpload('acme', { contentType: 'application/zip', filename: 'a.zip', sizeBytes: 10, channel: 'whatsapp' }, uploads.deps));
    expect([wrongType.reason, wrongType.message]).toEqual(['bad_request', 'whatsapp does not take a.zip (application/zip) files']);

    expect((await refusal(requestUpload('acme', { contentType: 'text/plain', filename: '../../etc/passwd', sizeBytes: 10 }, uploads.deps))).reason).toBe('bad_request');
    expect(uploads.signed).toEqual([]);
  });
});

describe('resolveUploads', () => {
  it('answers another tenant’s mediaId exactly like one that never existed', async () => {
    const uploads = fakeUploads();
    const mediaId = await uploaded(uploads, 'globex', { contentType: 'image/jpeg', filename: 'secret.jpg', sizeBytes: 100 });

    const theirs = await refusal(resolveUploads('acme', 'mms', [mediaId], uploads.deps));
    const none = await refusal(resolveUploads('acme', 'mms', ['med_AAAAAAAAAAAAAAAAAAAAAAAAAA'], uploads.deps));
    expect([theirs.reason, none.reason]).toEqual(['not_found', 'not_found']);
    expect(theirs.message.replace(mediaId, 'ID')).toBe(none.message.replace('med_AAAAAAAAAAAAAAAAAAAAAAAAAA', 'ID'));
    expect(await resolveUploads('globex', 'mms', [mediaId], uploads.deps)).toEqual([{ mediaId, state: 'ready', storedKey: `uploads/globex/${mediaId}`, contentType: 'image/jpeg', filename: 'secret.jpg', sizeBytes: 100 }]);
  });

  it('refuses a file declared but never put, and checks the channel’s caps against the stored sizes', async () => {
    const uploads = fakeUploads();
    const declared = (await requestUpload('acme', { contentType: 'image/png', filename: 'later.png', sizeBytes: 10 }, uploads.deps)).body.mediaId;
    expect((await refusal(resolveUploads('acme', 'mms', [declared], uploads.deps))).message).toBe('later.png was never uploaded: PUT it to the upload URL POST /media answered, then send again');

    const three = await Promise.all([1, 2, 3].map((n) => uploaded(uploads, 'acme', { contentType: 'image/jpeg', filename: `p${n}.jpg`, sizeBytes: 2 * MB })));
    const total = await refusal(resolveUploads('acme', 'mms', three, uploads.deps));
    expect([total.reason, total.message]).toEqual(['too_large', 'the files come to 6 MB: mms takes up to 5 MB in one message']);
    // The same files fit on Messenger.
    expect(await resolveUploads('acme', 'messenger', three, uploads.deps)).toHaveLength(3);
  });

  it('holds each channel to its providers’ documented types and sizes', () => {
    const file = (contentType: string, mb: number) => ({ contentType, sizeBytes: mb * MB });
    expect(() => checkFilesFor('whatsapp', [file('application/pdf', 15)])).not.toThrow();
    // A type a browser would run is never kept, even where a channel takes any file.
    expect(() => checkFilesFor('messenger', [file('text/html', 1)])).toThrow('which a browser would run');
    expect(() => checkFilesFor('email', [file('image/svg+xml', 1)])).toThrow('which a browser would run');
    expect(() => checkFilesFor('whatsapp', [file('image/jpeg', 6)])).toThrow('whatsapp takes image/jpeg files of up to 5 MB');
    expect(() => checkFilesFor('instagram', [file('image/gif', 8)])).not.toThrow();
    expect(() => checkFilesFor('instagram', [file('image/webp', 1)])).toThrow('instagram does not take image/webp files');
    expect(() => checkFilesFor('email', [file('application/zip', 10), file('application/pdf', 9)])).toThrow('the files come to 19 MB: email takes up to 18 MB in one message');
  });
});

const conversationKey = aConversationKey({ channel: 'mms' });
const emailKey = aConversationKey({ channel: 'email', businessAddress: 'support@acme.example', customerAddress: 'jane@example.com' });
const sending = { sealedCredentials: 'v1.sealed', updatedAt: '2026-11-01T00:00:00.000Z' };

/** Just enough of the accept's dependencies for one reply in `key`'s conversation. */
const acceptDeps = (uploads: UploadDependencies, key = conversationKey, provider = 'twilio') => {
  const stored: OutboundMessage[] = [];
  const endpoint = anEndpoint({ provider, sending });
  const conversation: Item = { entity: 'conversation', id: conversationIdFor(key), ...key, provider, endpointId: endpoint.endpointId, lastInboundAt: new Date(start.getTime() - 60_000).toISOString() };
  const deps: AcceptDependencies = {
    conversation: async (id) => (id === conversation.id ? conversation : undefined),
    endpoint: async (id) => (id === endpoint.endpointId ? endpoint : undefined),
    idempotencyRecord: async () => undefined,
    store: async (message) => {
      stored.push(message);
      return 'stored';
    },
    enqueue: async () => undefined,
    message: async () => undefined,
    now: () => start,
    sleep: async () => undefined,
    uploads,
  };
  return { deps, stored, conversationId: conversation.id as string };
};

describe('accepting a message with {mediaId}', () => {
  it('stores the uploaded file on the message with its key, type, name and size, in the order given', async () => {
    const uploads = fakeUploads();
    const mediaId = await uploaded(uploads, 'acme', { contentType: 'image/png', filename: 'cat.png', sizeBytes: 2048 });
    const { deps, stored, conversationId } = acceptDeps(uploads.deps);

    await acceptSend({ tenantId: 'acme', target: { conversationId }, idempotencyKey: 'k1', requestId: 'r1', body: { text: 'look', media: [{ url: 'https://cdn.example/a.jpg', contentType: 'image/jpeg' }, { mediaId }] } }, deps);

    expect(stored[0]?.media).toEqual([
      { url: 'https://cdn.example/a.jpg', contentType: 'image/jpeg' },
      { mediaId, state: 'ready', storedKey: `uploads/acme/${mediaId}`, contentType: 'image/png', filename: 'cat.png', sizeBytes: 2048 },
    ]);
    expect(stored[0]?.contentType).toBe('media');
  });

  it('refuses another tenant’s mediaId, and stores nothing', async () => {
    const uploads = fakeUploads();
    const theirs = await uploaded(uploads, 'globex', { contentType: 'image/png', filename: 'x.png', sizeBytes: 10 });
    const { deps, stored, conversationId } = acceptDeps(uploads.deps);

    const refused = await refusal(acceptSend({ tenantId: 'acme', target: { conversationId }, idempotencyKey: 'k1', requestId: 'r1', body: { media: [{ mediaId: theirs }] } }, deps));
    expect(refused.reason).toBe('not_found');
    expect(stored).toEqual([]);
  });

  it('refuses a link on email: the stack would fetch whatever address the caller names', async () => {
    const uploads = fakeUploads();
    const { deps, conversationId } = acceptDeps(uploads.deps, emailKey, 'sendgrid');
    const refused = await refusal(acceptSend({ tenantId: 'acme', target: { conversationId }, idempotencyKey: 'k1', requestId: 'r1', body: { text: 'hi', media: [{ url: 'http://169.254.169.254/latest/meta-data', contentType: 'text/plain' }] } }, deps));
    expect(refused.message).toBe('email attachments must be uploaded: upload the file with POST /media, then send it as {"mediaId": "…"}');
  });
});

describe('the stored key', () => {
  it('is never shown to callers', () => {
    const upload: StoredUpload = { storedKey: 'uploads/acme/med_1', contentType: 'image/png', filename: 'cat.png', sizeBytes: 1 };
    expect(publicView({ pk: 'MSG#1', id: 'msg_1', media: [upload, { url: 'https://cdn.example/a.jpg' }] })).toEqual({ id: 'msg_1', media: [{ contentType: 'image/png', filename: 'cat.png', sizeBytes: 1 }, { url: 'https://cdn.example/a.jpg' }] });
  });
});

describe('sending a message with uploaded files', () => {
  const upload: StoredUpload = { storedKey: 'uploads/acme/med_1', contentType: 'application/pdf', filename: 'invoice.pdf', sizeBytes: 4 };

  /** One claim and one provider call; the request the provider got. */
  const sendOnce = async (message: OutboundMessage, provider: string) => {
    const requests: SendRequest[] = [];
    const endpoint = anEndpoint({ provider, sending });
    const sender: ProviderSender = { send: async (request) => (requests.push(request), { kind: 'accepted', providerMessageId: 'P1' }), defaultRate: () => ({ perSecond: 100 }), costOf: () => 1 };
    const deps: SenderDependencies = {
      claim: async (_tenantId, _id, claimId) => ({ claimed: { ...message, sendState: 'claimed', claimId } as OutboundMessage }),
      settle: async () => true,
      abandonClaim: async () => true,
      endpoint: async () => endpoint,
      openCredentials: async () => ({ provider: 'twilio', accountSid: 'AC1', authToken: 't' }),
      sender: async () => sender,
      reserve: async (_address, _rate, _cost, now) => ({ at: now.getTime() }),
      slowDown: async () => undefined,
      requeue: async () => undefined,
      pauseEndpoint: async () => undefined,
      optOut: async () => undefined,
      statusCallbackUrl: () => 'https://hooks.example/status',
      now: () => start,
      sleep: async () => undefined,
      newClaimId: () => 'claim-1',
      mediaLink: async (item) => `https://bucket.example/${item.storedKey}?X-Amz-Expires=3600`,
      mediaBytes: async (key) => Buffer.from(`bytes of ${key}`),
    };
    await sendQueued(message.tenantId, message.id, deps);
    return requests;
  };

  it('gives the provider a signed link to each uploaded file', async () => {
    const [request] = await sendOnce(anOutboundMessage({ channel: 'mms', media: [upload], contentType: 'media' }), 'twilio');
    expect(request?.content.media).toEqual([{ url: 'https://bucket.example/uploads/acme/med_1?X-Amz-Expires=3600', contentType: 'application/pdf' }]);
    expect(request?.content.attachments).toBeUndefined();
  });

  it('gives an email the files’ bytes as attachments', async () => {
    const [request] = await sendOnce(anOutboundMessage({ channel: 'email', media: [upload], contentType: 'media' }, emailKey), 'sendgrid');
    expect(request?.content.attachments).toEqual([{ filename: 'invoice.pdf', contentType: 'application/pdf', content: Buffer.from('bytes of uploads/acme/med_1') }]);
  });
});
