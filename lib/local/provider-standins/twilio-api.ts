import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Channel } from '../../../functions/core/message.ts';
import { signedTwilioRequest } from '../../../functions/providers/twilio/sample.ts';
import { smsSegments } from '../../../functions/providers/twilio/segments.ts';
import { createTwilioSender } from '../../../functions/providers/twilio/send.ts';
import { Faults, type Fault } from './faults.ts';
import { startProviderStandIn, type ProviderStandIn } from './stand-in.ts';
import { Callbacks, json, readBody, sleep, type Answer } from './http.ts';
import { MediaShelf } from './media-shelf.ts';
import { RateGate } from './rate-gate.ts';

/**
 * A stand-in for Twilio's Messages API on 127.0.0.1: it creates, lists and fetches messages as
 * https://www.twilio.com/docs/messaging/api/message-resource does, with its SIDs, dates and
 * error bodies, holds each sender to its documented rate, and then posts the message's status
 * callbacks (sent, delivered, and read on WhatsApp), signed with the account's Auth Token.
 */

export interface TwilioApiStandInOptions {
  /** @default 0, any free port */
  readonly port?: number;
  /** An account's Auth Token: what its requests authenticate with and its callbacks are signed with. */
  readonly authTokenOf: (accountSid: string) => Promise<string | undefined>;
  /** An API key's secret, for requests that authenticate with an API key. Without it, they are refused. */
  readonly apiKeySecretOf?: (accountSid: string, apiKeySid: string) => Promise<string | undefined>;
  /** How long after the create each callback posts. @default { sent: 5, delivered: 10, read: 15 } */
  readonly callbackDelaysMs?: { readonly sent?: number; readonly delivered?: number; readonly read?: number };
  /** How early a send may come and still pass the rate limit: timer jitter, not a burst. @default 50 */
  readonly rateToleranceMs?: number;
  /**
   * "HTTP Basic Authentication for media": media URLs take the account's credentials, as Twilio
   * now enforces for all (https://www.twilio.com/docs/messaging/api/media-resource). @default true
   */
  readonly mediaAuth?: boolean;
}

/** A message the stand-in created, as a test reads it. */
export interface TwilioStandInMessage {
  readonly sid: string;
  readonly accountSid: string;
  /** As Twilio stores them: `whatsapp:`-prefixed on WhatsApp. */
  readonly from: string;
  readonly to: string;
  readonly body: string;
  readonly media: readonly string[];
  readonly contentSid?: string;
  readonly contentVariables?: string;
  readonly statusCallback?: string;
  readonly createdAt: Date;
  status: string;
}

/** With the MMS media it serves: `media.put(mediaSid, file)`, then a webhook naming `mediaUrlOf(…)` as MediaUrl0. */
export type TwilioApiStandIn = ProviderStandIn<TwilioStandInMessage> & {
  readonly media: MediaShelf;
  mediaUrlOf(accountSid: string, messageSid: string, mediaSid: string): string;
};

const apiVersion = '2010-04-01';
/** Where the stand-in's "CDN" serves the media its media URLs redirect to. */
const cdnPath = '/_cdn/media/';
const whatsappPrefix = 'whatsapp:';

// https://www.twilio.com/docs/usage/twilios-response#response-formats-exceptions
const twilioError = (status: number, code: number, message: string, headers: Record<string, string> = {}): Answer =>
  json(status, { code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status }, headers);

const internalError = twilioError(500, 20500, 'Internal Server Error');
const notFound = twilioError(404, 20404, 'The requested resource was not found');
const unauthenticated = twilioError(401, 20003, 'Authenticate');

/** The default error of an injected status: Twilio's own code for it. */
const faultCodes: Readonly<Record<number, number>> = { 429: 20429, 500: 20500, 503: 20503, 400: 21211 };
const faultMessages: Readonly<Record<number, string>> = {
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
  400: "Invalid 'To' Phone Number",
};

const faultAnswer = (fault: Fault & { status: number }): Answer =>
  twilioError(
    fault.status,
    fault.code ?? faultCodes[fault.status] ?? 20500,
    faultMessages[fault.status] ?? 'Error',
    fault.retryAfterSeconds === undefined ? {} : { 'retry-after': String(fault.retryAfterSeconds) },
  );

/** Twilio's dates: RFC 2822, `+0000`. */
const rfc2822 = (date: Date): string => date.toUTCString().replace('GMT', '+0000');

const sidOf = (prefix: 'SM' | 'MM'): string => `${prefix}${randomBytes(16).toString('hex')}`;

const sameSecret = (given: string, expected: string | undefined): boolean =>
  expected !== undefined && given.length === expected.length && timingSafeEqual(Buffer.from(given), Buffer.from(expected));

const e164 = /^\+[1-9]\d{6,14}$/;
const shortCode = /^\d{5,6}$/;

const plain = (address: string): string => (address.startsWith(whatsappPrefix) ? address.slice(whatsappPrefix.length) : address);

const channelOf = (from: string, media: readonly string[]): Channel => (from.startsWith(whatsappPrefix) ? 'whatsapp' : media.length > 0 ? 'mms' : 'sms');

/** The refusal Twilio gives a create request it cannot take as it is, if any. */
const validationError = (form: URLSearchParams): Answer | undefined => {
  const to = form.get('To');
  const from = form.get('From');
  if (!to) return twilioError(400, 21604, "A 'To' phone number is required.");
  if (!from && !form.get('MessagingServiceSid')) return twilioError(400, 21603, "A 'From' phone number is required.");
  if (!form.get('Body') && form.getAll('MediaUrl').length === 0 && !form.get('ContentSid')) return twilioError(400, 21602, 'Message body is required.');
  if (from && to.startsWith(whatsappPrefix) !== from.startsWith(whatsappPrefix)) {
    return twilioError(400, 21910, 'Invalid From and To pair. From and To should be of the same channel');
  }
  if (!e164.test(plain(to))) return twilioError(400, 21211, `Invalid 'To' Phone Number: ${to}`);
  if (from && !e164.test(plain(from)) && !shortCode.test(from)) return twilioError(400, 21212, `Invalid From Number (caller ID): ${from}`);
  if ((form.get('Body') ?? '').length > 1600) return twilioError(400, 21617, 'The concatenated message body exceeds the 1600 character limit.');
  if (form.getAll('MediaUrl').some((url) => !/^https?:\/\//.test(url))) return twilioError(400, 21620, 'Invalid media URL(s)');
  return undefined;
};

const messageUri = (message: TwilioStandInMessage): string => `/${apiVersion}/Accounts/${message.accountSid}/Messages/${message.sid}.json`;

/** The Message resource, as Twilio's API returns it. */
const resourceOf = (message: TwilioStandInMessage) => ({
  account_sid: message.accountSid,
  api_version: apiVersion,
  body: message.body,
  date_created: rfc2822(message.createdAt),
  date_sent: message.status === 'queued' ? null : rfc2822(message.createdAt),
  date_updated: rfc2822(message.createdAt),
  direction: 'outbound-api',
  error_code: null,
  error_message: null,
  from: message.from,
  messaging_service_sid: null,
  num_media: String(message.media.length),
  num_segments: String(message.media.length > 0 ? 1 : smsSegments(message.body).segments),
  price: null,
  price_unit: 'USD',
  sid: message.sid,
  status: message.status,
  subresource_uris: { media: messageUri(message).replace('.json', '/Media.json') },
  to: message.to,
  uri: messageUri(message),
});

type Route = { readonly kind: 'list'; readonly accountSid: string } | { readonly kind: 'message'; readonly accountSid: string; readonly messageSid: string };

const routeOf = (path: string): Route | undefined => {
  const list = /^\/2010-04-01\/Accounts\/(AC[0-9a-fA-F]{32})\/Messages\.json$/.exec(path);
  if (list?.[1]) return { kind: 'list', accountSid: list[1] };
  const one = /^\/2010-04-01\/Accounts\/(AC[0-9a-fA-F]{32})\/Messages\/((?:SM|MM)[0-9a-fA-F]{32})\.json$/.exec(path);
  if (one?.[1] && one[2]) return { kind: 'message', accountSid: one[1], messageSid: one[2] };
  return undefined;
};

/** Messages matching a list request's `To`, `From` and `DateSent>=` filters, newest first, one page of them. */
const listPage = (messages: readonly TwilioStandInMessage[], accountSid: string, query: URLSearchParams, path: string) => {
  const to = query.get('To');
  const from = query.get('From');
  const sentSince = query.get('DateSent>');
  const pageSize = Math.min(Math.max(Number(query.get('PageSize') ?? 50) || 50, 1), 1000);
  const page = Math.max(Number(query.get('Page') ?? 0) || 0, 0);
  const matching = messages
    .filter(
      (message) =>
        message.accountSid === accountSid &&
        (to === null || message.to === to) &&
        (from === null || message.from === from) &&
        (sentSince === null || message.createdAt.toISOString().slice(0, 10) >= sentSince),
    )
    .reverse();
  const start = page * pageSize;
  const pageUri = (number: number): string => {
    const next = new URLSearchParams(query);
    next.set('Page', String(number));
    next.set('PageSize', String(pageSize));
    return `${path}?${next}`;
  };
  return {
    messages: matching.slice(start, start + pageSize).map(resourceOf),
    end: Math.min(start + pageSize, matching.length) - 1,
    first_page_uri: pageUri(0),
    next_page_uri: start + pageSize < matching.length ? pageUri(page + 1) : null,
    page,
    page_size: pageSize,
    previous_page_uri: page > 0 ? pageUri(page - 1) : null,
    start,
    uri: `${path}?${query}`,
  };
};

export const startTwilioApiStandIn = async (options: TwilioApiStandInOptions): Promise<TwilioApiStandIn> => {
  const messages: TwilioStandInMessage[] = [];
  const media = new MediaShelf();
  const faults = new Faults();
  const callbacks = new Callbacks();
  const gate = new RateGate(options.rateToleranceMs);
  const stopping = new AbortController();
  // The stand-in holds senders to the rates our own client documents: Twilio's.
  const rates = createTwilioSender();
  const delays = { sent: 5, delivered: 10, read: 15, ...options.callbackDelaysMs };

  const authenticated = async (request: IncomingMessage, accountSid: string): Promise<boolean> => {
    const [scheme, encoded] = (request.headers.authorization ?? '').split(' ');
    if (scheme !== 'Basic' || !encoded) return false;
    const decoded = Buffer.from(encoded, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    const [user, password] = [decoded.slice(0, colon), decoded.slice(colon + 1)];
    if (colon === -1) return false;
    if (user === accountSid) return sameSecret(password, await options.authTokenOf(accountSid));
    if (user.startsWith('SK') && options.apiKeySecretOf) return sameSecret(password, await options.apiKeySecretOf(accountSid, user));
    return false;
  };

  /** Posts the message's callbacks in order, each signed with its account's Auth Token at the time it posts. */
  const scheduleCallbacks = (message: TwilioStandInMessage): void => {
    const url = message.statusCallback;
    if (!url) return;
    const statuses: ['sent' | 'delivered' | 'read', number][] = [
      ['sent', delays.sent],
      ['delivered', delays.delivered],
      ...(message.from.startsWith(whatsappPrefix) ? [['read', delays.read] as ['read', number]] : []),
    ];
    for (const [status, delay] of statuses) {
      callbacks.schedule(delay, async () => {
        message.status = status;
        const authToken = await options.authTokenOf(message.accountSid);
        if (authToken === undefined) return undefined;
        // https://www.twilio.com/docs/messaging/guides/track-outbound-message-status
        const fields = {
          SmsSid: message.sid,
          SmsStatus: status,
          MessageStatus: status,
          To: message.to,
          MessageSid: message.sid,
          AccountSid: message.accountSid,
          From: message.from,
          ApiVersion: apiVersion,
        };
        return { url, ...signedTwilioRequest(url, authToken, fields) };
      });
    }
  };

  const create = async (accountSid: string, request: IncomingMessage): Promise<Answer> => {
    const text = await readBody(request);
    if (text === undefined) return twilioError(413, 20001, 'Request entity too large');
    const fault = faults.next();
    if (fault?.delayMs) await sleep(fault.delayMs, stopping.signal);
    if (fault?.status !== undefined && !fault.afterAccepting) return faultAnswer({ ...fault, status: fault.status });
    const form = new URLSearchParams(text);
    const invalid = validationError(form);
    if (invalid) return invalid;
    const from = form.get('From') ?? '';
    const to = form.get('To') ?? '';
    const body = form.get('Body') ?? '';
    const media = form.getAll('MediaUrl');
    const channel = channelOf(from, media);
    const content = { text: body, media: media.map((url) => ({ url, contentType: '' })) };
    const admitted = gate.admit(`${accountSid}/${from}`, rates.defaultRate(channel, plain(from)).perSecond, rates.costOf({ channel, content }));
    if (!admitted.admitted) return twilioError(429, 20429, 'Too Many Requests', { 'retry-after': String(admitted.retryAfterSeconds) });
    const message: TwilioStandInMessage = {
      sid: sidOf(channel === 'mms' ? 'MM' : 'SM'),
      accountSid,
      from,
      to,
      body,
      media,
      ...(form.get('ContentSid') && { contentSid: form.get('ContentSid') ?? undefined, contentVariables: form.get('ContentVariables') ?? undefined }),
      ...(form.get('StatusCallback') && { statusCallback: form.get('StatusCallback') ?? undefined }),
      createdAt: new Date(),
      status: 'queued',
    };
    messages.push(message);
    scheduleCallbacks(message);
    if (fault?.status !== undefined) return faultAnswer({ ...fault, status: fault.status });
    return json(201, resourceOf(message));
  };

  // A media URL answers with a redirect to Twilio's CDN (a short-lived URL that takes no credentials); here a path of the stand-in.
  const serveMedia = async (request: IncomingMessage, url: URL): Promise<Answer | undefined> => {
    const cdn = new RegExp(`^${cdnPath}(ME[0-9a-f]{32})$`).exec(url.pathname);
    if (request.method === 'GET' && cdn?.[1]) return media.answerFor(cdn[1], notFound, stopping.signal);
    const route = /^\/2010-04-01\/Accounts\/(AC[0-9a-fA-F]{32})\/Messages\/(?:SM|MM)[0-9a-fA-F]{32}\/Media\/(ME[0-9a-f]{32})$/.exec(url.pathname);
    if (!route?.[1] || !route[2]) return undefined;
    if (request.method !== 'GET') return twilioError(405, 20004, 'Method not allowed');
    if ((options.mediaAuth ?? true) && !(await authenticated(request, route[1]))) return unauthenticated;
    return media.get(route[2]) ? { status: 307, headers: { location: `${cdnPath}${route[2]}` }, body: Buffer.alloc(0) } : notFound;
  };

  const handle = async (request: IncomingMessage): Promise<Answer> => {
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    const mediaAnswer = await serveMedia(request, url);
    if (mediaAnswer) return mediaAnswer;
    const route = routeOf(url.pathname);
    if (!route) return notFound;
    if (!(await authenticated(request, route.accountSid))) return unauthenticated;
    if (route.kind === 'message') {
      if (request.method !== 'GET') return twilioError(405, 20004, 'Method not allowed');
      const message = messages.find((candidate) => candidate.sid === route.messageSid && candidate.accountSid === route.accountSid);
      return message ? json(200, resourceOf(message)) : notFound;
    }
    if (request.method === 'GET') return json(200, listPage(messages, route.accountSid, url.searchParams, url.pathname));
    if (request.method === 'POST') return create(route.accountSid, request);
    return twilioError(405, 20004, 'Method not allowed');
  };

  const standIn = await startProviderStandIn({ port: options.port ?? 0, handle, internalError: internalError, messages, faults, callbacks, stopping, media });
  // Onto the stand-in itself: a spread would freeze its live counters (requests, callbacks) at 0.
  return Object.assign(standIn, { media, mediaUrlOf: (accountSid: string, messageSid: string, mediaSid: string) => `${standIn.url}/${apiVersion}/Accounts/${accountSid}/Messages/${messageSid}/Media/${mediaSid}` });
};
