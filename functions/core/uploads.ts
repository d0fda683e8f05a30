import { randomBytes } from 'node:crypto';
import * as z from 'zod/mini';
import { Refused } from './errors.ts';
import { bareContentType, checkFileFor, checkFilesFor, defaultMaxUploadBytes, type FileFacts } from './media-limits.ts';
import type { Channel, MediaItem } from './message.ts';

/**
 * Files an agent attaches to what it sends (POST /media): the caller asks for an upload, gets
 * a signed PUT for one object, and names the file by its `mediaId` in a send. The object's key
 * is made from the caller's tenant, never from the request, so another tenant's mediaId names
 * nothing: it is answered exactly like one that never existed.
 */

/** A file's key in the body bucket. */
export const uploadKeyOf = (tenantId: string, mediaId: string): string => `uploads/${tenantId}/${mediaId}`;

export const newMediaId = (): string => `med_${randomBytes(20).toString('base64url').slice(0, 26)}`;
const mediaIdPattern = /^med_[\w-]{26}$/;

/** What the caller declared: the object must turn out to be this (its type and size are signed into the PUT). */
export interface UploadRecord {
  readonly tenantId: string;
  readonly mediaId: string;
  readonly contentType: string;
  readonly filename: string;
  readonly sizeBytes: number;
  readonly requestedAt: string;
}

/** The declared upload's item in the sending table, under its tenant. */
export const uploadItemKeyOf = (tenantId: string, mediaId: string) => ({ pk: `UPLOAD#${tenantId}#${mediaId}`, sk: 'UPLOAD' });

/** How long a signed PUT works: time to send 25 MB over a slow link, short enough that a leaked URL soon dies. */
export const uploadUrlSeconds = 15 * 60;
/** How long a declared upload can be named in a send. */
export const uploadRetentionSeconds = 24 * 3600;

export const uploadItem = (record: UploadRecord) => ({
  ...uploadItemKeyOf(record.tenantId, record.mediaId),
  ...record,
  expiresAt: Math.floor(Date.parse(record.requestedAt) / 1000) + uploadRetentionSeconds,
});

export interface UploadDependencies {
  /** A signed PUT of exactly `sizeBytes` bytes of `contentType` to `key`. */
  presignPut(key: string, contentType: string, sizeBytes: number, expiresInSeconds: number): Promise<{ readonly url: string; readonly headers: Readonly<Record<string, string>>; readonly expiresAt: string }>;
  /** Remembers what the caller declared, for `uploadRetentionSeconds`. */
  saveUpload(record: UploadRecord): Promise<void>;
  /** The caller's declared upload, or undefined (none, another tenant's, or forgotten). */
  upload(tenantId: string, mediaId: string): Promise<UploadRecord | undefined>;
  /** The stored object's real size and type, or undefined when nothing was uploaded. */
  head(key: string): Promise<{ readonly sizeBytes: number } | undefined>;
  now(): Date;
}

/** The per-file cap, whatever the file is later sent on (channels' own caps are checked at send). */
export interface UploadLimits {
  readonly maxFileBytes: number;
}

export const defaultUploadLimits: UploadLimits = { maxFileBytes: defaultMaxUploadBytes };

const channels = ['sms', 'mms', 'whatsapp', 'messenger', 'instagram', 'email'] as const;
const uploadRequestSchema = z.strictObject({
  contentType: z.string().check(z.regex(/^[\w.+-]+\/[\w.+-]+$/, { error: 'contentType must be a MIME type without parameters, e.g. image/jpeg' })),
  // A name, not a path: it is shown to the recipient and to agents.
  filename: z.string().check(z.minLength(1, { error: 'filename must not be empty' }), z.maxLength(255, { error: 'filename is longer than 255 characters' }), z.regex(/^[^/\\\x00-\x1f]+$/, { error: 'filename must be a name, without / \\ or control characters' })),
  sizeBytes: z.number().check(z.int({ error: 'sizeBytes must be a whole number of bytes' }), z.minimum(1, { error: 'sizeBytes must be at least 1: an empty file attaches nothing' })),
  // Optional: the channel the file is for, to be refused now rather than at send.
  channel: z.optional(z.enum(channels)),
});

export interface UploadAnswer {
  readonly statusCode: 201;
  readonly body: { readonly mediaId: string; readonly upload: { readonly url: string; readonly method: 'PUT'; readonly headers: Readonly<Record<string, string>> }; readonly expiresAt: string };
}

const parse = (body: unknown) => {
  const parsed = uploadRequestSchema.safeParse(body);
  if (!parsed.success) throw new Refused('bad_request', parsed.error.issues.map((issue) => (issue.path.length ? `${issue.path.join('.')}: ${issue.message}` : issue.message)).join('; '));
  return parsed.data;
};

const megabytes = (bytes: number): string => `${Number((bytes / (1024 * 1024)).toFixed(1))} MB`;

/** Asks for an upload: checks the declared file, remembers it, and answers the signed PUT. */
export const requestUpload = async (tenantId: string, body: unknown, deps: UploadDependencies, limits: UploadLimits = defaultUploadLimits): Promise<UploadAnswer> => {
  const request = parse(body);
  const file: FileFacts = { contentType: bareContentType(request.contentType), filename: request.filename, sizeBytes: request.sizeBytes };
  if (file.sizeBytes > limits.maxFileBytes) throw new Refused('too_large', `${request.filename} is ${megabytes(file.sizeBytes)}: files of up to ${megabytes(limits.maxFileBytes)} can be uploaded`);
  if (request.channel) checkFileFor(request.channel, file);
  const mediaId = newMediaId();
  const upload = await deps.presignPut(uploadKeyOf(tenantId, mediaId), file.contentType, file.sizeBytes, uploadUrlSeconds);
  await deps.saveUpload({ tenantId, mediaId, contentType: file.contentType, filename: request.filename, sizeBytes: file.sizeBytes, requestedAt: deps.now().toISOString() });
  return { statusCode: 201, body: { mediaId, upload: { url: upload.url, method: 'PUT', headers: upload.headers }, expiresAt: upload.expiresAt } };
};

/**
 * An uploaded file as a sent message keeps it: where it is stored (never shown to callers:
 * items.ts `publicView` drops it), its type, name and real size.
 */
export interface StoredUpload extends MediaItem {
  readonly storedKey: string;
  readonly contentType: string;
  readonly filename: string;
  readonly sizeBytes: number;
}

const notUploaded = (mediaId: string) => new Refused('not_found', `no uploaded file ${mediaId}: ask for an upload with POST /media, PUT the file, then send its mediaId`);

/** The caller's uploaded file, as stored; refused when it is not the caller's, was never uploaded, or is not what was declared. */
const resolveUpload = async (tenantId: string, mediaId: string, deps: Pick<UploadDependencies, 'upload' | 'head'>): Promise<StoredUpload> => {
  if (!mediaIdPattern.test(mediaId)) throw notUploaded(mediaId);
  const declared = await deps.upload(tenantId, mediaId);
  if (!declared) throw notUploaded(mediaId);
  const storedKey = uploadKeyOf(tenantId, mediaId);
  const stored = await deps.head(storedKey);
  if (!stored) throw new Refused('bad_request', `${declared.filename} was never uploaded: PUT it to the upload URL POST /media answered, then send again`);
  // S3 refuses a PUT of another size or type; a difference here means the object is not the one declared.
  if (stored.sizeBytes !== declared.sizeBytes) throw new Refused('bad_request', `${declared.filename} is ${stored.sizeBytes} bytes, not the ${declared.sizeBytes} declared: upload it again`);
  return { mediaId, state: 'ready', storedKey, contentType: declared.contentType, filename: declared.filename, sizeBytes: stored.sizeBytes };
};

/** The uploaded files a message names, checked against the channel's caps with their real sizes. */
export const resolveUploads = async (tenantId: string, channel: Channel, mediaIds: readonly string[], deps: Pick<UploadDependencies, 'upload' | 'head'>): Promise<StoredUpload[]> => {
  const uploads = await Promise.all(mediaIds.map((mediaId) => resolveUpload(tenantId, mediaId, deps)));
  checkFilesFor(channel, uploads);
  return uploads;
};

/** Whether a stored media item is an uploaded file (rather than a link the caller gave). */
export const isStoredUpload = (item: MediaItem): item is StoredUpload => typeof (item as Partial<StoredUpload>).storedKey === 'string';
