import { readFile } from 'node:fs/promises';
import { basename, extname } from 'node:path';
import { issueToken } from '../../functions/core/tokens.ts';
import type { Target } from './target.ts';
import { UsageError } from './usage-error.ts';

/**
 * `--file <path>` of `reply` and `send-message`: the file uploaded as the tenant's inbox does
 * (POST /media, then a PUT to the signed URL it answers), named in the message by its mediaId.
 */

/** The types of the files agents attach most; any other is sent as bytes of no particular type, which only email and Messenger take. */
const contentTypes: Readonly<Record<string, string>> = {
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.png': 'image/png',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.pdf': 'application/pdf',
  '.txt': 'text/plain',
  '.csv': 'text/csv',
  '.vcf': 'text/vcard',
  '.mp3': 'audio/mpeg',
  '.m4a': 'audio/mp4',
  '.ogg': 'audio/ogg',
  '.mp4': 'video/mp4',
  '.mov': 'video/quicktime',
  '.docx': 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  '.xlsx': 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
};

export const contentTypeOfFile = (path: string): string => contentTypes[extname(path).toLowerCase()] ?? 'application/octet-stream';

const refusalOf = async (response: Response, what: string): Promise<Error> => {
  const text = await response.text();
  const reason = /<Message>([^<]*)<\/Message>/.exec(text)?.[1] ?? ((): string | undefined => {
    try {
      return (JSON.parse(text) as { error?: string }).error;
    } catch {
      return undefined;
    }
  })();
  return new UsageError(`${what} was refused (HTTP ${response.status}): ${reason ?? text.slice(0, 200)}`);
};

/** Uploads one file as the tenant: its mediaId, to send as `{"mediaId": …}`. */
export const uploadFile = async (target: Pick<Target, 'publicBaseUrl' | 'jwtSecret' | 'tokenMaxLifetimeSeconds'>, tenant: string, path: string): Promise<string> => {
  const bytes = await readFile(path).catch((error: NodeJS.ErrnoException) => {
    throw new UsageError(`--file ${path}: ${error.code === 'ENOENT' ? 'no such file' : error.message}`);
  });
  const token = await issueToken(tenant, await target.jwtSecret(), Math.min(300, target.tokenMaxLifetimeSeconds), target.tokenMaxLifetimeSeconds);
  const asked = await fetch(`${target.publicBaseUrl.replace(/\/+$/, '')}/media`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ contentType: contentTypeOfFile(path), filename: basename(path), sizeBytes: bytes.length }),
    signal: AbortSignal.timeout(30_000),
  });
  if (asked.status !== 201) throw await refusalOf(asked, `uploading ${basename(path)}`);
  const { mediaId, upload } = (await asked.json()) as { mediaId: string; upload: { url: string; method: string; headers: Record<string, string> } };
  // Content-Length is the body's own; fetch sets it, and the URL refuses any other.
  const { 'content-length': _length, ...headers } = upload.headers;
  const put = await fetch(upload.url, { method: upload.method, headers, body: bytes, signal: AbortSignal.timeout(120_000) });
  if (!put.ok) throw await refusalOf(put, `storing ${basename(path)}`);
  return mediaId;
};
