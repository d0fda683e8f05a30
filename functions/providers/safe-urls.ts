import { PermanentError } from '../core/errors.ts';
import type { MediaItem, NormalizedEvent } from '../core/message.ts';

/**
 * Every URL a normalized event carries is one a sender chose: a client that links or loads it
 * must never meet a `javascript:`, `data:`, `vbscript:` or `file:` URL. The registry passes
 * every provider's events through `withHttpUrlsOnly`, so a new provider cannot forget it; the
 * raw request, kept as received, still holds what was dropped.
 */

/**
 * The URL as the WHATWG parser (browsers' own) reads it, when it is http(s); otherwise
 * undefined. Parsing, not prefix matching: the parser strips the leading spaces and control
 * characters and the tabs and newlines (`java\tscript:`) that browsers ignore, and lower-cases
 * the scheme, exactly as a browser would before following it.
 */
export const httpUrl = (value: string): string | undefined => {
  const parsed = URL.parse(value);
  return parsed?.protocol === 'http:' || parsed?.protocol === 'https:' ? parsed.href : undefined;
};

/**
 * The keys whose string values are URLs, in any provider's details: `url`, `source_url`,
 * `image_url`, `referer_uri`, `permalink`, `href`, `MediaUrl0`, `links`…
 */
const urlKey = /(?:url|uri|href|link)s?\d*$/i;

/** Details are JSON from outside: bounded so that a deeply nested payload is refused, not a stack overflow. */
const maxDetailsDepth = 64;

const unsafe = Symbol('an unsafe URL');

const withoutUnsafeValues = (value: unknown, isUrl: boolean, depth: number): unknown => {
  if (depth > maxDetailsDepth) throw new PermanentError(`details nested deeper than ${maxDetailsDepth} levels`);
  if (typeof value === 'string') return isUrl ? (httpUrl(value) ?? unsafe) : value;
  if (Array.isArray(value)) return value.map((element) => withoutUnsafeValues(element, isUrl, depth + 1)).filter((element) => element !== unsafe);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value)
      .map(([key, entry]) => [key, withoutUnsafeValues(entry, urlKey.test(key), depth + 1)] as const)
      .filter(([, entry]) => entry !== unsafe),
  );
};

const safeDetails = (details: Readonly<Record<string, unknown>>): Readonly<Record<string, unknown>> =>
  withoutUnsafeValues(details, false, 0) as Readonly<Record<string, unknown>>;

/** What still says something about the file once its URL is gone; its kind alone does not. */
const describesFile = ({ providerMediaId, contentType, filename, caption, sizeBytes }: MediaItem): boolean =>
  [providerMediaId, contentType, filename, caption, sizeBytes].some((value) => value !== undefined);

/**
 * The item with its URL made canonical, or without its URL when that is not http(s): kept
 * while it still describes a file (a content type, a provider media id, a name…), dropped
 * when nothing but its kind would be left.
 */
const safeMedia = (item: MediaItem): MediaItem[] => {
  if (item.url === undefined) return [item];
  const url = httpUrl(item.url);
  if (url !== undefined) return [{ ...item, url }];
  const { url: _unsafe, ...withoutUrl } = item;
  return describesFile(withoutUrl) ? [withoutUrl] : [];
};

/** The event with every URL in its media and details http(s), the others removed. */
export const withHttpUrlsOnly = (event: NormalizedEvent): NormalizedEvent => {
  switch (event.kind) {
    case 'message':
      return { ...event, media: event.media.flatMap(safeMedia), ...(event.details && { details: safeDetails(event.details) }) };
    case 'notice':
      return event.details ? { ...event, details: safeDetails(event.details) } : event;
    case 'status':
    case 'reaction':
    case 'revision':
      return event;
  }
};
