import ipaddr from 'ipaddr.js';
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import * as z from 'zod/mini';
import { MediaUnavailable, type DownloadedFile, type MediaFailure, type MediaLimits, type ProviderMediaSource } from '../core/media.ts';
import type { SendCredentials } from '../core/outbound.ts';

/**
 * Fetches a provider's file without letting a URL from outside reach inside: only http(s),
 * only to public addresses, checked on the address actually connected to (a DNS lookup that
 * refuses private answers, so a name that resolves public once and private the next time —
 * DNS rebinding — cannot pass), every redirect followed by hand and checked again, and a
 * provider's credentials sent only to the origin they were given for.
 */

/**
 * Whether an address may be connected to: only global unicast. Loopback, RFC 1918,
 * link-local (169.254/16, the instance metadata service), CGNAT, ULA, multicast, unspecified,
 * reserved, and the IPv6 forms that carry an IPv4 address (mapped, NAT64, 6to4, Teredo) are
 * refused; a mapped address is judged as the IPv4 address it is. Loopback only where allowed
 * (the local stack's stand-ins).
 */
export const isConnectable = (address: string, allowLoopback = false): boolean => {
  if (!ipaddr.isValid(address)) return false;
  let parsed = ipaddr.parse(address);
  if (parsed.kind() === 'ipv6' && (parsed as ipaddr.IPv6).isIPv4MappedAddress()) parsed = (parsed as ipaddr.IPv6).toIPv4Address();
  const range = parsed.range();
  return range === 'unicast' || (allowLoopback && range === 'loopback');
};

/** The origins among `urls` whose host is a loopback address literal: the local stack's stand-ins, never a deployed stack's https:// names. */
export const loopbackOriginsAmong = (urls: readonly string[]): string[] =>
  urls.flatMap((url) => {
    const host = new URL(url).hostname.replace(/^\[|\]$/g, '');
    return isIP(host) && ipaddr.parse(host).range() === 'loopback' ? [new URL(url).origin] : [];
  });

/** A DNS lookup that answers only connectable addresses, else fails the connection before it is made. */
const guardedLookup =
  (allowLoopback: boolean): LookupFunction =>
  (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (error, addresses: LookupAddress[]) => {
      if (error) return callback(error, '', 0);
      const refused = addresses.find(({ address }) => !isConnectable(address, allowLoopback));
      if (refused || addresses.length === 0) return callback(new MediaUnavailable('private_address', `${hostname} resolves to a private address`) as NodeJS.ErrnoException, '', 0);
      if (options.all) return (callback as unknown as (error: null, addresses: LookupAddress[]) => void)(null, addresses);
      const [first] = addresses as [LookupAddress];
      callback(null, first.address, first.family);
    });
  };

export interface MediaFetcherOptions {
  readonly limits: MediaLimits;
  /**
   * Origins (`http://127.0.0.1:4010`) that may be on loopback: the local stack's stand-ins.
   * Empty on AWS. Only loopback is opened, and only for these exact origins.
   */
  readonly loopbackOrigins?: readonly string[];
  /** The first retry's delay ceiling; each next one doubles it, full jitter. */
  readonly backoffBaseMs?: number;
  readonly random?: () => number;
}

export interface FetchRequest {
  readonly url: string;
  /** Sent to `url`'s origin only, and to a redirect that stays on it: never to a CDN it redirects to. */
  readonly authorization?: string;
  /** Below the configured cap for a small answer (a Graph lookup's JSON). */
  readonly maxBytes?: number;
}

export interface FetchedFile {
  readonly bytes: Buffer;
  /** The Content-Type header, as the server said it (to be checked against the bytes). */
  readonly contentType?: string;
}

const maxRedirects = 5;
const redirectStatuses = new Set([301, 302, 303, 307, 308]);

type Hop = { readonly redirect: URL } | { readonly file: FetchedFile };

const failureOfStatus = (status: number): MediaFailure => (status === 410 ? 'expired' : status === 401 || status === 403 ? 'unauthorized' : `http_${status}`);

/** Reads the body up to `maxBytes`: a declared length past it is refused unread, a stream past it is cut. */
const readCapped = (response: IncomingMessage, maxBytes: number): Promise<Buffer> =>
  new Promise((resolve, reject) => {
    const declared = Number(response.headers['content-length']);
    if (Number.isFinite(declared) && declared > maxBytes) {
      response.destroy();
      return reject(new MediaUnavailable('too_large', `the file is ${declared} bytes, over the ${maxBytes}-byte cap`));
    }
    const chunks: Buffer[] = [];
    let size = 0;
    response.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        response.destroy();
        reject(new MediaUnavailable('too_large', `the file passed the ${maxBytes}-byte cap while streaming`));
        return;
      }
      chunks.push(chunk);
    });
    response.on('end', () => resolve(Buffer.concat(chunks, size)));
    response.on('error', reject);
  });

const connectionFailure = (error: unknown, url: URL): MediaUnavailable => {
  if (error instanceof MediaUnavailable) return error;
  const name = error instanceof Error ? error.name : '';
  if (name === 'AbortError' || name === 'TimeoutError') return new MediaUnavailable('timeout', `${url.origin} did not answer in time`, true);
  const code = (error as NodeJS.ErrnoException)?.code ?? String(error);
  return new MediaUnavailable('unreachable', `${url.origin}: ${code}`, true);
};

export const createMediaFetcher = ({ limits, loopbackOrigins = [], backoffBaseMs = 250, random = Math.random }: MediaFetcherOptions) => {
  const loopbackAllowed = new Set(loopbackOrigins.map((origin) => new URL(origin).origin));

  const hop = (url: URL, authorization: string | undefined, maxBytes: number, signal: AbortSignal): Promise<Hop> => {
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return Promise.reject(new MediaUnavailable('private_address', `only http(s) is fetched, not ${url.protocol}`));
    const allowLoopback = loopbackAllowed.has(url.origin);
    // An address literal is never looked up, so it is judged here; a name, by the lookup.
    const literal = url.hostname.replace(/^\[|\]$/g, '');
    if (isIP(literal) && !isConnectable(literal, allowLoopback)) return Promise.reject(new MediaUnavailable('private_address', `${literal} is not a public address`));
    const transport = url.protocol === 'https:' ? https : http;
    return new Promise<Hop>((resolve, reject) => {
      const request = transport.get(
        url,
        { headers: { accept: '*/*', ...(authorization && { authorization }) }, signal, lookup: guardedLookup(allowLoopback), agent: false },
        (response) => {
          const status = response.statusCode ?? 0;
          const location = response.headers.location;
          if (redirectStatuses.has(status) && location) {
            response.resume();
            return resolve({ redirect: new URL(location, url) });
          }
          if (status < 200 || status > 299) {
            response.resume();
            return reject(new MediaUnavailable(failureOfStatus(status), `${url.origin} answered ${status}`, status >= 500));
          }
          readCapped(response, maxBytes).then(
            (bytes) => resolve({ file: { bytes, ...(response.headers['content-type'] && { contentType: response.headers['content-type'] }) } }),
            (error: unknown) => reject(connectionFailure(error, url)),
          );
        },
      );
      request.on('error', (error) => reject(connectionFailure(error, url)));
    });
  };

  /** One attempt: up to `maxRedirects` hops within one deadline. */
  const attempt = async ({ url, authorization, maxBytes = limits.maxBytes }: FetchRequest): Promise<FetchedFile> => {
    const signal = AbortSignal.timeout(limits.timeoutMs);
    const origin = new URL(url).origin;
    let current = new URL(url);
    for (let hops = 0; hops <= maxRedirects; hops++) {
      const result = await hop(current, current.origin === origin ? authorization : undefined, maxBytes, signal);
      if ('file' in result) return result.file;
      current = result.redirect;
    }
    throw new MediaUnavailable('too_many_redirects', `more than ${maxRedirects} redirects from ${origin}`);
  };

  /** The file, after up to `limits.attempts` attempts with exponential backoff and full jitter; a 4xx or a refusal is final. */
  const fetchFile = async (request: FetchRequest): Promise<FetchedFile> => {
    for (let attemptNumber = 1; ; attemptNumber++) {
      try {
        return await attempt(request);
      } catch (error) {
        const failure = error instanceof MediaUnavailable ? error : connectionFailure(error, new URL(request.url));
        if (!failure.retryable || attemptNumber >= limits.attempts) throw failure;
        await sleep(random() * backoffBaseMs * 2 ** (attemptNumber - 1));
      }
    }
  };

  return { fetchFile };
};

export type MediaFetcher = ReturnType<typeof createMediaFetcher>['fetchFile'];

/** Where the providers' APIs are, and the endpoint's send credentials when it has them. */
export interface ProviderAccess {
  readonly graphApiBaseUrl: string;
  readonly graphApiVersion?: string;
  readonly twilioApiBaseUrl: string;
  readonly credentials?: SendCredentials;
}

/**
 * GET /{media-id}: a URL valid for 5 minutes that itself takes the business token, with the
 * file's type, size and SHA-256. https://developers.facebook.com/docs/whatsapp/cloud-api/reference/media#retrieve-media-url
 */
const graphMediaSchema = z.object({
  url: z.url({ protocol: /^https?$/ }),
  mime_type: z.optional(z.string()),
  sha256: z.optional(z.string()),
  file_size: z.optional(z.union([z.number(), z.string()])),
});

/** A media id lookup answers a small JSON document: more is not one. */
const maxLookupBytes = 64 * 1024;

const basicAuth = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

/** Twilio's media URLs take the account's credentials when "HTTP Basic Authentication for media" is on. https://www.twilio.com/docs/messaging/api/media-resource */
const twilioAuthorization = (credentials: SendCredentials | undefined): string | undefined => {
  if (credentials?.provider !== 'twilio') return undefined;
  return 'authToken' in credentials ? basicAuth(credentials.accountSid, credentials.authToken) : basicAuth(credentials.apiKeySid, credentials.apiKeySecret);
};

/** How a message's files are downloaded, with its endpoint's credentials, each sent only to its provider's own origin. */
export const downloaderFor =
  (fetchFile: MediaFetcher, { graphApiBaseUrl, graphApiVersion = 'v23.0', twilioApiBaseUrl, credentials }: ProviderAccess) =>
  async (source: ProviderMediaSource): Promise<DownloadedFile> => {
    if (source.kind === 'graph') {
      if (credentials?.provider !== 'meta') throw new MediaUnavailable('not_configured', 'a WhatsApp media id is fetched with the endpoint’s Meta access token: set its send credentials');
      const authorization = `Bearer ${credentials.accessToken}`;
      const lookup = await fetchFile({ url: `${graphApiBaseUrl.replace(/\/+$/, '')}/${graphApiVersion}/${encodeURIComponent(source.mediaId)}`, authorization, maxBytes: maxLookupBytes });
      let parsed;
      try {
        parsed = graphMediaSchema.safeParse(JSON.parse(lookup.bytes.toString('utf8')));
      } catch {
        parsed = undefined;
      }
      if (!parsed?.success) throw new MediaUnavailable('http_502', 'the Graph API answered the media lookup with no URL');
      const file = await fetchFile({ url: parsed.data.url, authorization });
      const declaredType = parsed.data.mime_type ?? file.contentType;
      return { bytes: file.bytes, ...(declaredType && { declaredType }), ...(parsed.data.sha256 && { sha256: parsed.data.sha256 }) };
    }
    const authorization = new URL(source.url).origin === new URL(twilioApiBaseUrl).origin ? twilioAuthorization(credentials) : undefined;
    const file = await fetchFile({ url: source.url, ...(authorization && { authorization }) });
    return { bytes: file.bytes, ...(file.contentType && { declaredType: file.contentType }) };
  };
