import type { StoredMessage } from './items.ts';
import { activeTypes, bareContentType } from './media-limits.ts';
import type { MediaItem } from './message.ts';
import { uploadKeyOf } from './uploads.ts';

/**
 * Inbound media that stays: the processor marks the files it can fetch `pending` (and the
 * message `mediaPending`), the media function fetches each into the body bucket under its
 * tenant and settles it `ready` or `failed`. Nothing here touches the network or AWS.
 */

export type MediaState = 'pending' | 'ready' | 'failed';

/** Why a file could not be kept: the inbox shows it, an operator searches by it. */
export type MediaFailure =
  | 'too_large'
  | 'type_not_allowed'
  | 'timeout'
  | 'private_address'
  | 'expired'
  | 'unauthorized'
  | 'not_configured'
  | 'checksum_mismatch'
  | 'too_many_redirects'
  | 'unreachable'
  /** An email attachment no longer in the request as it was archived (past the archive's retention). */
  | 'missing'
  | `http_${number}`;

/** Where a file comes from, as the media function fetches it. */
export type MediaSource =
  /** A WhatsApp media id: GET /{id} on the Graph API with the endpoint's token names a URL, which takes the same token. */
  | { readonly kind: 'graph'; readonly mediaId: string }
  /** A URL the provider named (Twilio MediaUrlN, Messenger and Instagram CDN URLs). */
  | { readonly kind: 'url'; readonly url: string }
  /** An email attachment: its bytes are in the request as received (the archive), found again by its size and name. */
  | { readonly kind: 'attachment'; readonly sizeBytes: number; readonly filename?: string };

/** A file a provider serves, as opposed to one in the request itself. */
export type ProviderMediaSource = Exclude<MediaSource, { kind: 'attachment' }>;

/** The provider whose media ids are Graph API ids (WhatsApp Cloud API); Twilio's WhatsApp comes with URLs. */
const graphMediaProviders = new Set(['meta']);
/** The providers that post a mail with its attachments in the request itself. */
const emailProviders = new Set(['sendgrid', 'mailgun']);

/** How a file can be had, or undefined when it cannot (a file with no handle, URL or bytes of its own). */
export const sourceOf = (provider: string, item: MediaItem): MediaSource | undefined => {
  if (item.url !== undefined) return { kind: 'url', url: item.url };
  if (item.providerMediaId !== undefined && graphMediaProviders.has(provider)) return { kind: 'graph', mediaId: item.providerMediaId };
  if (emailProviders.has(provider) && item.sizeBytes !== undefined) return { kind: 'attachment', sizeBytes: item.sizeBytes, ...(item.filename !== undefined && { filename: item.filename }) };
  return undefined;
};

/**
 * The message as it is stored: each file that can be had marked pending, and the message
 * flagged `mediaPending` (the media function's stream filter) when there is at least one.
 * Files that cannot keep what the provider said of them, with no state.
 */
export const withPendingMedia = <Message extends Pick<StoredMessage, 'provider' | 'media'>>(message: Message): Message & { mediaPending?: true } => {
  let pending = false;
  const media = message.media.map((item): MediaItem => {
    if (sourceOf(message.provider, item) === undefined) return item;
    pending = true;
    return { ...item, state: 'pending' };
  });
  return pending ? { ...message, media, mediaPending: true } : message;
};

/** Where a message's file is kept: under its tenant, so no key can name another tenant's file. */
export const mediaKeyOf = (tenantId: string, messageId: string, index: number): string => `media/${tenantId}/${messageId}/${index}`;

/** What became of fetching one file. */
export type MediaResult =
  | { readonly state: 'ready'; readonly contentType: string; readonly sizeBytes: number }
  | { readonly state: 'failed'; readonly failure: MediaFailure; readonly detail?: string };

/**
 * The files with their results, by index; a file with no result (not fetchable) is left as
 * it was. The provider's own word on type and size gives way to what was stored.
 */
export const settledMedia = (media: readonly MediaItem[], results: ReadonlyMap<number, MediaResult>): MediaItem[] =>
  media.map((item, index) => {
    const result = results.get(index);
    if (result === undefined) return item;
    if (result.state === 'ready') {
      const { failure: _failure, ...rest } = item;
      return { ...rest, state: 'ready', contentType: result.contentType, sizeBytes: result.sizeBytes };
    }
    return { ...item, state: 'failed', failure: result.failure };
  });

/** Operator-set limits on what is kept. */
export interface MediaLimits {
  /** Larger files are refused (`too_large`), by Content-Length and while streaming. */
  readonly maxBytes: number;
  /** Content types kept, exactly or by family (`image/*`); checked against the sniffed type. */
  readonly allowedTypes: readonly string[];
  /** Each attempt's deadline, connect to last byte. */
  readonly timeoutMs: number;
  /** Attempts on a 5xx, a timeout or a connection error; a 4xx is final. */
  readonly attempts: number;
}

/**
 * Defaults: 25 MB covers every provider's own cap on what a customer can send (WhatsApp's
 * documents go to 100 MB, and are refused here rather than held in a 512 MB function);
 * images, audio, video, PDF, Office documents, plain text and contact cards.
 */
export const defaultMediaLimits: MediaLimits = {
  maxBytes: 25 * 1024 * 1024,
  allowedTypes: [
    'image/*',
    'audio/*',
    'video/*',
    'application/pdf',
    'application/msword',
    'application/vnd.ms-excel',
    'application/vnd.ms-powerpoint',
    'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
    'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
    'application/vnd.openxmlformats-officedocument.presentationml.presentation',
    'text/plain',
    'text/vcard',
  ],
  timeoutMs: 15_000,
  attempts: 3,
};

export const isAllowedType = (contentType: string, allowed: readonly string[]): boolean => {
  const type = contentType.toLowerCase();
  if (activeTypes.has(type)) return false;
  return allowed.some((pattern) => (pattern.endsWith('/*') ? type.startsWith(pattern.slice(0, -1)) : type === pattern));
};

/** Shown in the page rather than downloaded: what a browser renders without running anything. */
export const showsInline = (contentType: string | undefined): boolean => contentType !== undefined && /^(image|audio|video)\//.test(contentType) && !activeTypes.has(contentType);

/** A file as callers see it: never where it is kept, never the provider's URL once it is kept. */
export interface MediaView extends Omit<MediaItem, 'url'> {
  readonly url?: string;
  readonly link?: string;
  readonly linkExpiresAt?: string;
}

/**
 * The message's files with a fresh signed link on each ready one, for the tenant asking: the
 * key is built from the caller's tenant, so a message of another tenant could never be linked.
 * A ready file's provider URL is dropped: the kept copy is the one that lasts.
 */
export const withMediaLinks = async (
  tenantId: string,
  message: Record<string, unknown>,
  link: (key: string, item: MediaItem) => Promise<{ url: string; expiresAt: string }>,
): Promise<Record<string, unknown>> => {
  const media = message.media;
  if (!Array.isArray(media) || typeof message.id !== 'string' || !media.some((item: MediaItem) => item?.state === 'ready')) return message;
  const id = message.id;
  const views = await Promise.all(
    (media as MediaItem[]).map(async (item, index): Promise<MediaView> => {
      if (item.state !== 'ready') return item;
      const { url: _url, ...kept } = item;
      // An agent's upload is kept by its own id; a customer's file by its message and place.
      const signed = await link(item.mediaId === undefined ? mediaKeyOf(tenantId, id, index) : uploadKeyOf(tenantId, item.mediaId), item);
      return { ...kept, link: signed.url, linkExpiresAt: signed.expiresAt };
    }),
  );
  return { ...message, media: views };
};

/** A file that could not be fetched or kept, and why; `retryable` when another attempt may succeed. */
export class MediaUnavailable extends Error {
  readonly failure: MediaFailure;
  readonly retryable: boolean;
  constructor(failure: MediaFailure, message: string, retryable = false) {
    super(message);
    this.name = 'MediaUnavailable';
    this.failure = failure;
    this.retryable = retryable;
  }
}

/** What a provider's file is, as fetched. */
export interface DownloadedFile {
  readonly bytes: Buffer;
  /** What the server or provider says it is; checked against the bytes, never trusted alone. */
  readonly declaredType?: string;
  /** The provider's SHA-256 of the file, hex (WhatsApp's media lookup gives one). */
  readonly sha256?: string;
}

export interface KeepFileDependencies {
  /** The file from its source; throws MediaUnavailable with the reason it cannot be had. */
  download(source: MediaSource): Promise<DownloadedFile>;
  /** The type the file's first bytes say it is (magic numbers), if they say one. */
  sniff(bytes: Buffer): Promise<string | undefined>;
  sha256(bytes: Buffer): string;
  put(key: string, bytes: Buffer, contentType: string): Promise<void>;
}

/** Types that have no magic number: accepted as declared only when the bytes are text. */
const textTypes = new Map([
  ['text/plain', 'text/plain'],
  ['text/vcard', 'text/vcard'],
  ['text/x-vcard', 'text/vcard'],
  ['text/directory', 'text/vcard'],
]);
/** Office's pre-2007 formats are all one container (CFB): its magic number cannot tell them apart, the declared type can. */
const compoundFileTypes = new Set(['application/msword', 'application/vnd.ms-excel', 'application/vnd.ms-powerpoint']);

const isText = (bytes: Buffer): boolean => !bytes.includes(0) && new TextDecoder('utf-8', { fatal: false }).decode(bytes).indexOf('\uFFFD') === -1;

/**
 * The type a file is, from its bytes: the sniffed type wins over any declared one; a file with
 * no magic number is text (as declared, when declared text) or unknown. A declared type is
 * never taken for bytes that are not of it.
 */
export const verifiedContentType = (sniffed: string | undefined, declared: string | undefined, bytes: Buffer): string => {
  const claimed = declared === undefined ? undefined : bareContentType(declared);
  if (sniffed === 'application/x-cfb' && claimed && compoundFileTypes.has(claimed)) return claimed;
  if (sniffed) return sniffed;
  const text = claimed && textTypes.get(claimed);
  if (text && isText(bytes) && (text !== 'text/vcard' || /^\s*BEGIN:VCARD/i.test(bytes.subarray(0, 64).toString('utf8')))) return text;
  return 'application/octet-stream';
};

/** Fetches one file, checks it (checksum, type, size) and stores it under `key`. Never throws: a failure is a result. */
export const keepFile = async (key: string, source: MediaSource, item: MediaItem, limits: MediaLimits, deps: KeepFileDependencies): Promise<MediaResult> => {
  try {
    const file = await deps.download(source);
    if (file.bytes.length > limits.maxBytes) throw new MediaUnavailable('too_large', `the file is ${file.bytes.length} bytes`);
    if (file.sha256 !== undefined && deps.sha256(file.bytes) !== file.sha256.toLowerCase()) throw new MediaUnavailable('checksum_mismatch', 'the bytes do not match the provider’s SHA-256');
    const contentType = verifiedContentType(await deps.sniff(file.bytes), file.declaredType ?? item.contentType, file.bytes);
    if (!isAllowedType(contentType, limits.allowedTypes)) throw new MediaUnavailable('type_not_allowed', `${contentType} is not an allowed type`);
    await deps.put(key, file.bytes, contentType);
    return { state: 'ready', contentType, sizeBytes: file.bytes.length };
  } catch (error) {
    if (error instanceof MediaUnavailable) return { state: 'failed', failure: error.failure, detail: error.message };
    throw error;
  }
};

/** A message whose media is pending, as the media function reads it from the stream. */
export type PendingMessage = Pick<StoredMessage, 'id' | 'tenantId' | 'provider' | 'media' | 'source' | 'receivedAt'>;

/**
 * Keeps every pending file of `messages`, `concurrency` at a time across all of them, and
 * returns each message's media as settled. A file whose storing fails for a reason of ours
 * (S3 down) rejects its message, which is then retried whole.
 */
export const keepPendingMedia = async (
  messages: readonly PendingMessage[],
  limits: MediaLimits,
  concurrency: number,
  depsFor: (message: PendingMessage) => Promise<KeepFileDependencies>,
): Promise<PromiseSettledResult<MediaItem[]>[]> => {
  const work = messages.map((message) => {
    const files = message.media.flatMap((item, index) => {
      const source = item.state === 'pending' ? sourceOf(message.provider, item) : undefined;
      return source ? [{ item, index, source }] : [];
    });
    return { message, files, deps: files.length > 0 ? depsFor(message) : undefined };
  });
  const tasks = work.flatMap(({ message, files, deps }) => files.map((file) => ({ message, file, deps: deps as Promise<KeepFileDependencies> })));
  const results = new Map<PendingMessage, Map<number, MediaResult>>(work.map(({ message }) => [message, new Map()]));
  const errors = new Map<PendingMessage, unknown>();
  let next = 0;
  const worker = async () => {
    while (next < tasks.length) {
      const { message, file, deps } = tasks[next++] as (typeof tasks)[number];
      if (errors.has(message)) continue;
      try {
        results.get(message)?.set(file.index, await keepFile(mediaKeyOf(message.tenantId, message.id, file.index), file.source, file.item, limits, await deps));
      } catch (error) {
        errors.set(message, error);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, tasks.length) }, worker));
  return work.map(({ message }): PromiseSettledResult<MediaItem[]> =>
    errors.has(message) ? { status: 'rejected', reason: errors.get(message) } : { status: 'fulfilled', value: settledMedia(message.media, results.get(message) ?? new Map()) },
  );
};
