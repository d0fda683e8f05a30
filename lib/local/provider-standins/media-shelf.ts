import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import type { Answer } from './http.ts';

/**
 * The files a provider stand-in serves as its customers' media (Graph's lookaside downloads,
 * Twilio's media URLs), registered by a test or through the control route, each with the way
 * it should go wrong, if any.
 */

/**
 * - `expired`: 404, as a provider answers a file it no longer has (a Meta CDN URL past its time);
 * - `fail`: 500 on every attempt;
 * - `stall`: headers and nothing more until the stand-in stops: the fetcher's timeout must end it.
 */
export const mediaFaults = ['expired', 'fail', 'stall'] as const;
export type MediaFault = (typeof mediaFaults)[number];

export interface MediaFile {
  readonly contentType: string;
  /** The file's bytes. */
  readonly bytes?: Buffer;
  /**
   * A body this large instead, streamed as zeros after `bytes` and never held in memory:
   * the 50 MB file the size cap must refuse.
   */
  readonly sizeBytes?: number;
  /** Sent without Content-Length: the cap must be met while streaming. */
  readonly chunked?: boolean;
  readonly fault?: MediaFault;
}

const zeros = Buffer.alloc(64 * 1024);

/** `size` bytes: `head`, then zeros, one shared 64 KiB chunk at a time. */
const streamOf = (head: Buffer, size: number): Readable =>
  Readable.from(
    (function* () {
      if (head.length > 0) yield head;
      for (let sent = head.length; sent < size; sent += zeros.length) yield zeros.subarray(0, Math.min(zeros.length, size - sent));
    })(),
  );

export class MediaShelf {
  readonly #files = new Map<string, MediaFile>();

  put(id: string, file: MediaFile): void {
    this.#files.set(id, file);
  }

  get(id: string): MediaFile | undefined {
    return this.#files.get(id);
  }

  sizeOf(file: MediaFile): number {
    return file.sizeBytes ?? file.bytes?.length ?? 0;
  }

  /** The SHA-256 Graph reports for a file, hex; none for a streamed body, which is never held whole. */
  sha256Of(file: MediaFile): string | undefined {
    return file.sizeBytes === undefined ? createHash('sha256').update(file.bytes ?? Buffer.alloc(0)).digest('hex') : undefined;
  }

  /** The answer that serves the file, or its fault; `missing` when there is no such file. */
  answerFor(id: string, missing: Answer, stopping: AbortSignal): Answer | Promise<Answer> {
    const file = this.#files.get(id);
    if (!file || file.fault === 'expired') return missing;
    if (file.fault === 'fail') return { status: 500, headers: { 'content-type': 'text/plain' }, body: Buffer.from('Internal Server Error') };
    const size = this.sizeOf(file);
    const headers = { 'content-type': file.contentType, ...(!file.chunked && { 'content-length': String(size) }) };
    if (file.fault === 'stall') {
      const never = new Readable({ read() {} });
      stopping.addEventListener('abort', () => never.push(null));
      return { status: 200, headers, body: never };
    }
    return { status: 200, headers, body: file.sizeBytes === undefined ? (file.bytes ?? Buffer.alloc(0)) : streamOf(file.bytes ?? Buffer.alloc(0), size) };
  }
}

/** A file as the control route takes it: JSON, its bytes in base64. */
export const mediaFileOf = (value: unknown): MediaFile | undefined => {
  if (typeof value !== 'object' || value === null) return undefined;
  const { contentType, base64, sizeBytes, chunked, fault } = value as Record<string, unknown>;
  if (typeof contentType !== 'string') return undefined;
  if (sizeBytes !== undefined && (typeof sizeBytes !== 'number' || !Number.isSafeInteger(sizeBytes) || sizeBytes < 0)) return undefined;
  if (fault !== undefined && !mediaFaults.includes(fault as MediaFault)) return undefined;
  return {
    contentType,
    ...(typeof base64 === 'string' && { bytes: Buffer.from(base64, 'base64') }),
    ...(typeof sizeBytes === 'number' && { sizeBytes }),
    ...(chunked === true && { chunked: true }),
    ...(fault !== undefined && { fault: fault as MediaFault }),
  };
};
