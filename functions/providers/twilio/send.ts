import type { Channel } from '../../core/message.ts';
import type { FailureCategory, LookupResult, ProviderSender, SendCredentials, SendOutcome, SendRate, SendRequest } from '../../core/outbound.ts';
import { retryAfterSecondsOf, transportOutcome } from '../senders.ts';
import { deliveryStatuses } from './status-callback.ts';
import { smsSegments } from './segments.ts';

/**
 * Twilio Programmable Messaging's send client: one `POST …/Messages.json` per message, form
 * encoded, with basic auth, and its answer classified into a `SendOutcome`.
 * https://www.twilio.com/docs/messaging/api/message-resource#create-a-message-resource
 */

export interface TwilioSenderOptions {
  /** @default 'https://api.twilio.com' */
  readonly baseUrl?: string;
}

type TwilioCredentials = Extract<SendCredentials, { provider: 'twilio' }>;
type Failure = { readonly category: Exclude<FailureCategory, 'throttled' | 'temporary'>; readonly hint: string };

const apiVersion = '2010-04-01';

/**
 * Twilio's error codes that say the message will never be taken as it is, each with what a
 * person can do about it. https://www.twilio.com/docs/api/errors/<code> for each.
 */
const badCredentials: Failure = { category: 'credentials', hint: "Twilio refused the endpoint's credentials: set a valid Account SID with its Auth Token or an API key." };

const failures: ReadonlyMap<number, Failure> = new Map<number, Failure>([
  [21610, { category: 'opted-out', hint: 'The recipient replied STOP; they must send START before you can message them.' }],
  [63016, { category: 'window', hint: 'More than 24 hours since the customer last wrote: send an approved WhatsApp template (ContentSid) instead.' }],
  [20003, badCredentials],
  [20404, { category: 'credentials', hint: "Twilio does not know this endpoint's Account SID: check the account its credentials name." }],
  [21211, { category: 'permanent', hint: "The recipient's number is not a valid phone number: correct it (E.164, e.g. +14155550100)." }],
  [21614, { category: 'permanent', hint: 'The recipient cannot receive SMS (a landline?): reach them on another channel.' }],
  [21612, { category: 'permanent', hint: 'Twilio cannot route from this sender to this recipient: check the pair, or send from another number.' }],
  [21408, { category: 'permanent', hint: "The account may not send to this recipient's country: enable it in Twilio's geographic permissions." }],
  [21606, { category: 'permanent', hint: "The sending number cannot send this kind of message: use a number of the account with this capability." }],
  [21617, { category: 'permanent', hint: 'The message is longer than Twilio accepts (1,600 characters): shorten it or split it.' }],
  [21620, { category: 'permanent', hint: 'A media URL is invalid: attach files by public http(s) URLs.' }],
  [21602, { category: 'permanent', hint: 'The message is empty: give it text, media or a template.' }],
  [21603, { category: 'permanent', hint: "The endpoint has no sending number: set the endpoint's From number." }],
  [21604, { category: 'permanent', hint: 'The message has no recipient: give it a To number.' }],
  [21608, { category: 'permanent', hint: 'A trial account sends only to verified numbers: verify the recipient or upgrade the account.' }],
  [21635, { category: 'permanent', hint: 'The recipient is a landline: reach them on another channel.' }],
  [21660, { category: 'permanent', hint: "The sending number is not one of the account's: use a number the account owns." }],
  [63007, { category: 'permanent', hint: 'The WhatsApp sender is not registered on this account: register it, or send from one that is.' }],
]);

/**
 * Codes that mean "too fast, not taken": 20429 (API concurrency, "never processed and always safe
 * to retry", https://www.twilio.com/docs/api/errors/20429), 63018 (WhatsApp rate limit,
 * https://www.twilio.com/docs/whatsapp/api/error-code-mapping), 21611 (the sender's queue is
 * full, https://www.twilio.com/docs/api/errors/21611).
 */
const throttledCodes = new Set([20429, 63018, 21611]);

const isWhatsapp = (channel: Channel): boolean => channel === 'whatsapp';

/** Our addresses are plain numbers; Twilio names a WhatsApp address by its `whatsapp:` prefix. */
const addressFor = (channel: Channel, number: string): string => (isWhatsapp(channel) ? `whatsapp:${number}` : number);

const authorizationOf = (credentials: TwilioCredentials): string => {
  const [user, password] = 'authToken' in credentials ? [credentials.accountSid, credentials.authToken] : [credentials.apiKeySid, credentials.apiKeySecret];
  return `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
};

const messagesUrl = (baseUrl: string, accountSid: string): string =>
  `${baseUrl.replace(/\/+$/, '')}/${apiVersion}/Accounts/${encodeURIComponent(accountSid)}/Messages.json`;

/** The create request's parameters. A template goes as Content API parameters, with no Body. */
export const twilioMessageForm = (request: SendRequest): URLSearchParams => {
  const form = new URLSearchParams({ To: addressFor(request.channel, request.to), From: addressFor(request.channel, request.from) });
  const { text, media, template } = request.content;
  if (template) {
    form.set('ContentSid', template.name);
    form.set('ContentVariables', JSON.stringify(Object.fromEntries(template.parameters.map((value, index) => [String(index + 1), value]))));
  } else {
    if (text !== undefined) form.set('Body', text);
    for (const item of media ?? []) form.append('MediaUrl', item.url);
  }
  form.set('StatusCallback', request.statusCallbackUrl);
  return form;
};

interface TwilioError {
  readonly code?: number;
  readonly message?: string;
}

const readJson = async (response: Response): Promise<unknown> => {
  try {
    return await response.json();
  } catch {
    return undefined;
  }
};

const errorOf = (body: unknown): TwilioError => (typeof body === 'object' && body !== null ? (body as TwilioError) : {});

/** Classifies Twilio's refusal of a create request by its HTTP status and error code. */
export const classifyTwilioError = (status: number, error: TwilioError, retryAfterSeconds: number | undefined): SendOutcome => {
  const code = error.code ?? status;
  const providerError = { code: String(code), message: error.message ?? `HTTP ${status}` };
  if (status === 429 || throttledCodes.has(code)) return { kind: 'throttled', ...providerError, ...(retryAfterSeconds !== undefined && { retryAfterSeconds }) };
  const known = failures.get(code);
  if (known) return { kind: 'failed', ...known, ...providerError };
  if (status === 401 || status === 403) return { kind: 'failed', ...badCredentials, ...providerError };
  // A 503 naming when to come back is Twilio declining the request, not losing it.
  if (status === 503 && retryAfterSeconds !== undefined) return { kind: 'temporary', retryAfterSeconds, ...providerError };
  if (status >= 500) return { kind: 'unknown', ...providerError };
  // Any other 4xx: Twilio validated the request and refused it; sent again, it is refused again.
  return { kind: 'failed', category: 'permanent', hint: `Twilio refused the message: ${providerError.message}`, ...providerError };
};

const outcomeOf = async (response: Response): Promise<SendOutcome> => {
  const body = await readJson(response);
  if (response.ok) {
    const sid = typeof body === 'object' && body !== null && 'sid' in body && typeof body.sid === 'string' ? body.sid : undefined;
    // A 2xx we cannot read may still be a message Twilio created.
    return sid ? { kind: 'accepted', providerMessageId: sid } : { kind: 'unknown', code: String(response.status), message: 'Twilio answered without a message SID' };
  }
  return classifyTwilioError(response.status, errorOf(body), retryAfterSecondsOf(response.headers.get('retry-after')));
};

const wrongCredentials: SendOutcome = {
  kind: 'failed',
  category: 'credentials',
  code: 'credentials',
  message: 'the endpoint has no Twilio credentials',
  hint: "Set the endpoint's Twilio Account SID with its Auth Token or an API key.",
};

// https://www.twilio.com/docs/messaging/api/message-resource#read-multiple-message-resources
interface MessagePage {
  readonly messages?: readonly { readonly sid?: string; readonly body?: string; readonly date_created?: string }[];
  readonly next_page_uri?: string | null;
}

// Enough pages for the messages of one sender to one recipient in a day, and a bound on a lookup's cost.
const lookupPages = 5;

/**
 * The message that matches what we sent, created since the attempt: the same body, except for a
 * template, whose body Twilio renders, so that any message between the two since then matches.
 */
const matchIn = (page: MessagePage, request: SendRequest, since: Date): string | undefined => {
  // Twilio's dates are to the second.
  const sinceSecond = Math.floor(since.getTime() / 1000) * 1000;
  const { text, template } = request.content;
  return page.messages?.find(
    (message) => Date.parse(message.date_created ?? '') >= sinceSecond && (template !== undefined || text === undefined || message.body === text),
  )?.sid;
};

const twilioRate = (channel: Channel, from: string): SendRate => {
  // https://www.twilio.com/docs/whatsapp/best-practices-and-faqs: 10 MPS text by default per sender.
  if (isWhatsapp(channel)) return { perSecond: 10 };
  // https://www.twilio.com/docs/api/errors/30001: a short code "may send over 100 message segments per second".
  if (/^\d{5,6}$/.test(from)) return { perSecond: 100 };
  // US/Canada toll-free: 3 segments a second, the carriers' default for toll-free senders
  // (https://docs.aws.amazon.com/sms-voice/latest/userguide/sms-limitations-mps.html); Twilio's own figure is in
  // https://support.twilio.com/hc/en-us/articles/115002943027, linked from error 21611.
  if (/^\+1(800|833|844|855|866|877|888)\d{7}$/.test(from)) return { perSecond: 3 };
  // https://www.twilio.com/docs/api/errors/21611: "a US long code number can send one message segment per second".
  return { perSecond: 1 };
};

/**
 * SMS costs its segments; an MMS one unit. A WhatsApp message with media costs 7 units of the
 * sender's 10 a second: Twilio caps media at 1.5 a second (best-practices-and-faqs above).
 */
const twilioCost = ({ channel, content }: Pick<SendRequest, 'channel' | 'content'>): number => {
  if (channel === 'sms' && !content.template) return smsSegments(content.text ?? '').segments;
  if (isWhatsapp(channel) && (content.media?.length ?? 0) > 0) return Math.ceil(10 / 1.5);
  return 1;
};

export const createTwilioSender = ({ baseUrl = 'https://api.twilio.com' }: TwilioSenderOptions = {}): ProviderSender => ({
  async send(request, credentials, signal) {
    if (credentials.provider !== 'twilio') return wrongCredentials;
    let response: Response;
    try {
      response = await fetch(messagesUrl(baseUrl, credentials.accountSid), {
        method: 'POST',
        headers: { authorization: authorizationOf(credentials), 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body: twilioMessageForm(request),
        signal,
      });
    } catch (error) {
      return transportOutcome(error, 'Twilio');
    }
    try {
      return await outcomeOf(response);
    } catch (error) {
      // The answer was cut off mid-body: Twilio had the request.
      return transportOutcome(error, 'Twilio');
    }
  },

  async lookup(request, credentials, since, signal): Promise<LookupResult> {
    if (credentials.provider !== 'twilio') return { found: 'unknown' };
    const query = new URLSearchParams({
      To: addressFor(request.channel, request.to),
      From: addressFor(request.channel, request.from),
      'DateSent>': since.toISOString().slice(0, 10),
      PageSize: '50',
    });
    // Serialized as `DateSent%3E=…`, which is how twilio-node writes the `DateSent>=` filter.
    let url: string | undefined = `${messagesUrl(baseUrl, credentials.accountSid)}?${query}`;
    try {
      for (let page = 0; url !== undefined && page < lookupPages; page += 1) {
        const response: Response = await fetch(url, { headers: { authorization: authorizationOf(credentials), accept: 'application/json' }, signal });
        if (!response.ok) return { found: 'unknown' };
        const body = (await response.json()) as MessagePage;
        const sid = matchIn(body, request, since);
        if (sid) return { found: true, providerMessageId: sid };
        url = body.next_page_uri ? new URL(body.next_page_uri, baseUrl).href : undefined;
      }
      return url === undefined ? { found: false } : { found: 'unknown' };
    } catch {
      return { found: 'unknown' };
    }
  },

  async status(providerMessageId, credentials, signal) {
    if (credentials.provider !== 'twilio' || !/^(SM|MM)[0-9a-f]{32}$/.test(providerMessageId)) return undefined;
    try {
      const response = await fetch(`${baseUrl}/2010-04-01/Accounts/${credentials.accountSid}/Messages/${providerMessageId}.json`, {
        headers: { authorization: authorizationOf(credentials), accept: 'application/json' },
        signal,
      });
      if (!response.ok) return undefined;
      const { status: providerStatus, error_code: code, error_message: message } = (await response.json()) as { status?: string; error_code?: number | null; error_message?: string | null };
      const status = providerStatus === undefined ? undefined : deliveryStatuses.get(providerStatus);
      if (!status || !providerStatus) return undefined;
      return { status, providerStatus, ...(code != null && { error: { code: String(code), message: message ?? '' } }) };
    } catch {
      return undefined;
    }
  },

  defaultRate: twilioRate,
  costOf: twilioCost,
});
