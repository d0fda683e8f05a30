import type { IncomingMessage } from 'node:http';
import { json, readBody, type Answer } from './http.ts';
import { mediaFileOf, type MediaShelf } from './media-shelf.ts';

/**
 * Faults a test asks a stand-in for: how the next answers go wrong. Without `status`, the
 * answer is the normal one, only late (`delayMs`): a message taken, its answer lost to a
 * client's timeout.
 */
export interface Fault {
  /** The HTTP status to answer with. */
  readonly status?: 429 | 500 | 503 | 400;
  /** The provider's error code in the body; each stand-in has a default per status. */
  readonly code?: number;
  /** Sent as `Retry-After`. */
  readonly retryAfterSeconds?: number;
  /** How many requests it applies to. @default every request until cleared */
  readonly times?: number;
  /** The share of requests it applies to, drawn at random. @default 1 */
  readonly ratio?: number;
  /** The message is created (and its callbacks post), but the answer is the fault's. */
  readonly afterAccepting?: true;
  /** Answer this late. */
  readonly delayMs?: number;
}

/** The faults in force, in the order injected; the first that applies to a request is used. */
export class Faults {
  #active: { fault: Fault; remaining: number }[] = [];

  inject(fault: Fault): void {
    this.#active.push({ fault, remaining: fault.times ?? Number.POSITIVE_INFINITY });
  }

  clear(): void {
    this.#active = [];
  }

  /** The fault for this request, if any, counting it against its `times`. */
  next(): Fault | undefined {
    const entry = this.#active.find(({ fault }) => fault.ratio === undefined || Math.random() < fault.ratio);
    if (!entry) return undefined;
    entry.remaining -= 1;
    if (entry.remaining <= 0) this.#active = this.#active.filter((candidate) => candidate !== entry);
    return entry.fault;
  }
}

/** Where a test (or a developer with curl) reaches a running stand-in's faults: a path no provider API has. */
export const controlPath = '/_switchboard';

/**
 * `PUT /_switchboard/media/{id}` with a MediaFile as JSON ({contentType, base64?, sizeBytes?,
 * chunked?, fault?: expired | fail | stall}): the file the provider serves under that id.
 */
const putMedia = async (request: IncomingMessage, media: MediaShelf, id: string): Promise<Answer> => {
  let file;
  try {
    file = mediaFileOf(JSON.parse((await readBody(request)) ?? ''));
  } catch {
    file = undefined;
  }
  if (!file) return json(400, { error: 'the body must be a file as JSON, e.g. {"contentType":"image/png","base64":"iVBORw0…"} or {"contentType":"video/mp4","sizeBytes":52428800}' });
  media.put(id, file);
  return json(201, { id, sizeBytes: media.sizeOf(file) });
};

/**
 * The stand-in's control routes, for a stack running in another process (`npm start`):
 * `POST /_switchboard/faults` with a Fault as JSON injects it, `DELETE /_switchboard/faults`
 * clears them, `GET /_switchboard/messages` lists every message the stand-in created, `PUT /_switchboard/media/{id}`
 * registers a media file (on the stand-ins that serve media). Undefined
 * for any other path, which the stand-in answers as its provider would.
 */
export const controlAnswer = async (
  request: IncomingMessage,
  faults: Faults,
  messages: readonly unknown[],
  media?: MediaShelf,
): Promise<Answer | undefined> => {
  const { pathname } = new URL(request.url ?? '/', 'http://127.0.0.1');
  if (!pathname.startsWith(`${controlPath}/`)) return undefined;
  if (pathname === `${controlPath}/messages` && request.method === 'GET') return json(200, { messages });
  const mediaId = media && new RegExp(`^${controlPath}/media/([\\w.-]+)$`).exec(pathname)?.[1];
  if (media && mediaId && request.method === 'PUT') return putMedia(request, media, mediaId);
  if (pathname !== `${controlPath}/faults`) return json(404, { error: 'no such control route' });
  if (request.method === 'DELETE') {
    faults.clear();
    return json(200, { cleared: true });
  }
  if (request.method !== 'POST') return json(405, { error: 'POST a fault, or DELETE them' });
  try {
    const fault = JSON.parse((await readBody(request)) ?? '') as Fault;
    if (typeof fault !== 'object' || fault === null) throw new Error('not an object');
    faults.inject(fault);
    return json(201, { injected: fault });
  } catch {
    return json(400, { error: 'the body must be a fault as JSON, e.g. {"status":429,"retryAfterSeconds":2,"times":1}' });
  }
};
