import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  defaultMediaLimits,
  isAllowedType,
  keepFile,
  keepPendingMedia,
  MediaUnavailable,
  mediaKeyOf,
  settledMedia,
  sourceOf,
  verifiedContentType,
  withMediaLinks,
  withPendingMedia,
  type KeepFileDependencies,
  type PendingMessage,
} from '../../../functions/core/media.ts';
import { publicView } from '../../../functions/core/items.ts';
import type { MediaItem } from '../../../functions/core/message.ts';

const png = Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex');
const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

/** A file store in memory; downloads answer `files` by URL or media id, or throw what `failures` names. */
const fakeDeps = (files: Record<string, Buffer>, failures: Record<string, MediaUnavailable> = {}) => {
  const stored = new Map<string, { bytes: Buffer; contentType: string }>();
  let inFlight = 0;
  let mostInFlight = 0;
  const deps: KeepFileDependencies = {
    async download(source) {
      const id = source.kind === 'graph' ? source.mediaId : source.kind === 'url' ? source.url : source.filename ?? '';
      inFlight++;
      mostInFlight = Math.max(mostInFlight, inFlight);
      await new Promise((resolve) => setTimeout(resolve, 5));
      inFlight--;
      const failure = failures[id];
      if (failure) throw failure;
      const bytes = files[id];
      if (!bytes) throw new MediaUnavailable('http_404', 'no such file');
      return { bytes };
    },
    sniff: async (bytes) => (bytes.subarray(0, 8).equals(png.subarray(0, 8)) ? 'image/png' : undefined),
    sha256,
    put: async (key, bytes, contentType) => void stored.set(key, { bytes, contentType }),
  };
  return { deps, stored, mostInFlight: () => mostInFlight };
};

describe('which media the processor marks pending', () => {
  it('marks a WhatsApp media id, a provider URL and an email attachment pending and flags the message; leaves a message with nothing to fetch as it is', () => {
    // Prepare
    const whatsapp = { provider: 'meta', media: [{ providerMediaId: '1013859600285441', kind: 'image', contentType: 'image/jpeg' }] };
    const twilio = { provider: 'twilio', media: [{ url: 'https://api.twilio.com/2010-04-01/Accounts/AC1/Messages/MM1/Media/ME1' }] };
    const email = { provider: 'sendgrid', media: [{ filename: 'invoice.pdf', contentType: 'application/pdf', sizeBytes: 1200 }] };
    const nothing = { provider: 'twilio', media: [{ providerMediaId: 'ME1' }] };

    // Act
    const [marked, ...others] = [whatsapp, twilio, email, nothing].map(withPendingMedia);

    // Assess
    expect(marked).toEqual({ ...whatsapp, media: [{ ...whatsapp.media[0], state: 'pending' }], mediaPending: true });
    expect(others.map((message) => [message.mediaPending, (message.media[0] as MediaItem).state])).toEqual([
      [true, 'pending'],
      [true, 'pending'],
      [undefined, undefined],
    ]);
    expect(others[2]).toBe(nothing);
  });

  it('takes a media id as a Graph handle only from Meta: another provider’s id is not ours to resolve', () => {
    expect(sourceOf('meta', { providerMediaId: '42' })).toEqual({ kind: 'graph', mediaId: '42' });
    expect(sourceOf('twilio', { providerMediaId: '42' })).toBeUndefined();
    expect(sourceOf('meta', { url: 'https://lookaside.fbsbx.com/x', providerMediaId: '42' })).toEqual({ kind: 'url', url: 'https://lookaside.fbsbx.com/x' });
    expect(sourceOf('mailgun', { filename: 'a.pdf', sizeBytes: 10 })).toEqual({ kind: 'attachment', sizeBytes: 10, filename: 'a.pdf' });
    expect(sourceOf('sendgrid', { filename: 'a.pdf' })).toBeUndefined();
  });
});

describe('what a file is', () => {
  it('believes the bytes over the declared type, and a declared text type only of text', () => {
    expect(verifiedContentType('image/png', 'application/pdf', png)).toBe('image/png');
    expect(verifiedContentType(undefined, 'text/plain; charset=utf-8', Buffer.from('hello ✓'))).toBe('text/plain');
    expect(verifiedContentType(undefined, 'text/plain', Buffer.from([0x00, 0xff, 0x10]))).toBe('application/octet-stream');
    expect(verifiedContentType(undefined, 'text/x-vcard', Buffer.from('BEGIN:VCARD\r\nVERSION:3.0\r\nEND:VCARD'))).toBe('text/vcard');
    expect(verifiedContentType(undefined, 'text/vcard', Buffer.from('not a card'))).toBe('application/octet-stream');
    // Word 97–2003 and Excel share one container; its magic number cannot say which, the declaration can.
    expect(verifiedContentType('application/x-cfb', 'application/msword', Buffer.alloc(8))).toBe('application/msword');
    expect(verifiedContentType('application/x-cfb', 'image/png', Buffer.alloc(8))).toBe('application/x-cfb');
  });

  it('allows by family or exactly, and never a type a browser would run from our bucket', () => {
    expect(isAllowedType('image/webp', defaultMediaLimits.allowedTypes)).toBe(true);
    expect(isAllowedType('application/vnd.openxmlformats-officedocument.wordprocessingml.document', defaultMediaLimits.allowedTypes)).toBe(true);
    expect(isAllowedType('image/svg+xml', defaultMediaLimits.allowedTypes)).toBe(false);
    expect(isAllowedType('image/svg+xml', ['*/*', 'image/*'])).toBe(false);
    expect(isAllowedType('application/x-msdownload', defaultMediaLimits.allowedTypes)).toBe(false);
    expect(isAllowedType('application/octet-stream', defaultMediaLimits.allowedTypes)).toBe(false);
  });
});

describe('keeping a file', () => {
  const item: MediaItem = { url: 'https://cdn.example/a', state: 'pending' };

  it('stores a checked file under its tenant’s key with the sniffed type and its size', async () => {
    // Prepare
    const { deps, stored } = fakeDeps({ 'https://cdn.example/a': png });

    // Act
    const result = await keepFile(mediaKeyOf('acme', 'msg_1', 0), { kind: 'url', url: 'https://cdn.example/a' }, { ...item, contentType: 'application/pdf' }, defaultMediaLimits, deps);

    // Assess
    expect(result).toEqual({ state: 'ready', contentType: 'image/png', sizeBytes: png.length });
    expect(stored.get('media/acme/msg_1/0')).toEqual({ bytes: png, contentType: 'image/png' });
  });

  it('refuses a file over the cap, of a type not allowed, or whose checksum does not match, and stores nothing', async () => {
    // Prepare
    const { deps, stored } = fakeDeps({ big: Buffer.alloc(11), exe: Buffer.from('MZ\x90\x00'), png });
    const withChecksum: KeepFileDependencies = { ...deps, download: async () => ({ bytes: png, sha256: 'ab'.repeat(32) }) };

    // Act
    const tooLarge = await keepFile('k1', { kind: 'graph', mediaId: 'big' }, item, { ...defaultMediaLimits, maxBytes: 10 }, deps);
    const notAllowed = await keepFile('k2', { kind: 'graph', mediaId: 'exe' }, item, defaultMediaLimits, deps);
    const mismatch = await keepFile('k3', { kind: 'graph', mediaId: 'png' }, item, defaultMediaLimits, withChecksum);

    // Assess
    expect(tooLarge).toMatchObject({ state: 'failed', failure: 'too_large' });
    expect(notAllowed).toMatchObject({ state: 'failed', failure: 'type_not_allowed' });
    expect(mismatch).toMatchObject({ state: 'failed', failure: 'checksum_mismatch' });
    expect(stored.size).toBe(0);
  });

  it('settles each file of a batch on its own, a bounded number at a time, and fails a message only for a failure of ours', async () => {
    // Prepare
    const files = Object.fromEntries(Array.from({ length: 6 }, (_, index) => [`https://cdn.example/${index}`, png]));
    const { deps, stored, mostInFlight } = fakeDeps(files, { 'https://cdn.example/gone': new MediaUnavailable('expired', 'gone') });
    const message = (id: string, tenantId: string, urls: string[]): PendingMessage => ({
      id,
      tenantId,
      provider: 'twilio',
      media: urls.map((url) => ({ url, state: 'pending' })),
      source: { requestId: 'req', endpointId: 'ep' },
      receivedAt: '2026-12-03T10:00:00.000Z',
    });
    const storeDown = message('msg_down', 'globex', ['https://cdn.example/5']);
    const depsFor = async (pending: PendingMessage): Promise<KeepFileDependencies> =>
      pending === storeDown ? { ...deps, put: async () => Promise.reject(new Error('S3 is down')) } : deps;

    // Act
    const outcomes = await keepPendingMedia(
      [message('msg_a', 'acme', ['https://cdn.example/0', 'https://cdn.example/gone', 'https://cdn.example/1']), message('msg_b', 'globex', ['https://cdn.example/2', 'https://cdn.example/3', 'https://cdn.example/4']), storeDown],
      defaultMediaLimits,
      2,
      depsFor,
    );

    // Assess
    expect(mostInFlight()).toBe(2);
    expect(outcomes[0]).toEqual({
      status: 'fulfilled',
      value: [
        { url: 'https://cdn.example/0', state: 'ready', contentType: 'image/png', sizeBytes: png.length },
        { url: 'https://cdn.example/gone', state: 'failed', failure: 'expired' },
        { url: 'https://cdn.example/1', state: 'ready', contentType: 'image/png', sizeBytes: png.length },
      ],
    });
    expect(outcomes[1]?.status).toBe('fulfilled');
    expect(outcomes[2]).toMatchObject({ status: 'rejected', reason: new Error('S3 is down') });
    expect([...stored.keys()].sort()).toEqual(['media/acme/msg_a/0', 'media/acme/msg_a/2', 'media/globex/msg_b/0', 'media/globex/msg_b/1', 'media/globex/msg_b/2']);
  });

  it('leaves a file it has no result for as it was', () => {
    const media: MediaItem[] = [{ filename: 'a.pdf' }, { url: 'https://x.example/b', state: 'pending' }];
    expect(settledMedia(media, new Map([[1, { state: 'failed', failure: 'timeout' }]]))).toEqual([{ filename: 'a.pdf' }, { url: 'https://x.example/b', state: 'failed', failure: 'timeout' }]);
  });
});

describe('links to kept files', () => {
  it('signs each ready file under the asking tenant’s key, drops its provider URL, and leaves the others alone', async () => {
    // Prepare
    const message = {
      id: 'msg_1',
      tenantId: 'globex',
      media: [
        { url: 'https://api.twilio.com/…/ME1', state: 'ready', contentType: 'image/png', sizeBytes: 9 },
        { url: 'https://api.twilio.com/…/ME2', state: 'failed', failure: 'http_404' },
      ],
    };
    const signed: string[] = [];

    // Act
    const view = await withMediaLinks('acme', message, async (key) => {
      signed.push(key);
      return { url: `https://bucket.example/${key}?X-Amz-Signature=s`, expiresAt: '2026-12-03T10:15:00.000Z' };
    });

    // Assess
    expect(signed).toEqual(['media/acme/msg_1/0']);
    expect(view.media).toEqual([
      { state: 'ready', contentType: 'image/png', sizeBytes: 9, link: 'https://bucket.example/media/acme/msg_1/0?X-Amz-Signature=s', linkExpiresAt: '2026-12-03T10:15:00.000Z' },
      { url: 'https://api.twilio.com/…/ME2', state: 'failed', failure: 'http_404' },
    ]);
  });

  it('signs an agent’s uploaded file under the asking tenant’s uploads, by its media id', async () => {
    // Prepare
    const message = { id: 'msg_2', tenantId: 'acme', media: [{ mediaId: 'med_1', state: 'ready', contentType: 'application/pdf', filename: 'invoice.pdf', sizeBytes: 4 }] };
    const signed: string[] = [];

    // Act
    const view = await withMediaLinks('acme', message, async (key) => {
      signed.push(key);
      return { url: `https://bucket.example/${key}`, expiresAt: '2026-12-03T10:15:00.000Z' };
    });

    // Assess
    expect(signed).toEqual(['uploads/acme/med_1']);
    expect(view.media).toEqual([{ ...message.media[0], link: 'https://bucket.example/uploads/acme/med_1', linkExpiresAt: '2026-12-03T10:15:00.000Z' }]);
  });
});

describe('media as frames and the query API show it', () => {
  it('drops a kept file’s provider URL and every stored key, and keeps a pending file’s URL', () => {
    // Act
    const view = publicView({
      pk: 'MSG#1',
      id: 'msg_1',
      media: [
        { url: 'https://lookaside.fbsbx.com/1', state: 'ready', contentType: 'image/png' },
        { url: 'https://api.twilio.com/ME2', state: 'pending' },
        { mediaId: 'med_1', state: 'ready', storedKey: 'uploads/acme/med_1', filename: 'a.pdf' },
      ],
    });

    // Assess
    expect(view).toEqual({
      id: 'msg_1',
      media: [
        { state: 'ready', contentType: 'image/png' },
        { url: 'https://api.twilio.com/ME2', state: 'pending' },
        { mediaId: 'med_1', state: 'ready', filename: 'a.pdf' },
      ],
    });
  });
});
