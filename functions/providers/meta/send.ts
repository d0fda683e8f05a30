import type { Channel } from '../../core/message.ts';
import type { FailureCategory, OutboundMedia, ProviderSender, SendOutcome, SendRate, SendRequest } from '../../core/outbound.ts';
import { retryAfterSecondsOf, transportOutcome } from '../senders.ts';

/**
 * Meta's send client: the WhatsApp Cloud API (`POST /{phone-number-id}/messages`) and the
 * Messenger/Instagram Send API (`POST /{page-or-ig-id}/messages`), with a bearer access token,
 * and their Graph API errors classified into a `SendOutcome`.
 * https://developers.facebook.com/docs/whatsapp/cloud-api/reference/messages
 * https://developers.facebook.com/docs/messenger-platform/reference/send-api/
 */

export interface MetaSenderOptions {
  /** @default 'https://graph.facebook.com' */
  readonly baseUrl?: string;
  /** @default 'v23.0' */
  readonly apiVersion?: string;
}

type Failure = { readonly category: Exclude<FailureCategory, 'throttled' | 'temporary'>; readonly hint: string };

/** A Graph API error, as `{ error: {…} }` carries it. */
export interface GraphError {
  readonly message?: string;
  readonly type?: string;
  readonly code?: number;
  readonly error_subcode?: number;
  readonly fbtrace_id?: string;
}

const reconnect = "Meta refused the endpoint's access token (expired, revoked or missing a permission): set a new one.";

/**
 * Graph error codes that say the message will never be taken as it is.
 * WhatsApp: https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes
 * Messenger: https://developers.facebook.com/docs/messenger-platform/error-codes
 */
const failures: ReadonlyMap<number, Failure> = new Map<number, Failure>([
  [190, { category: 'credentials', hint: reconnect }],
  [102, { category: 'credentials', hint: reconnect }],
  [463, { category: 'credentials', hint: reconnect }],
  [467, { category: 'credentials', hint: reconnect }],
  [0, { category: 'credentials', hint: reconnect }],
  [10, { category: 'credentials', hint: "The access token lacks a permission this send needs (whatsapp_business_messaging, pages_messaging…): grant it." }],
  [131047, { category: 'window', hint: 'More than 24 hours since the customer last wrote: send an approved template instead.' }],
  [131050, { category: 'opted-out', hint: 'The customer stopped marketing messages from this business; they must opt in again.' }],
  [131026, { category: 'permanent', hint: "The message could not be delivered: the number may not be on WhatsApp, or the customer's app is too old." }],
  [131021, { category: 'permanent', hint: 'The recipient is the sending number itself: send to the customer.' }],
  [100, { category: 'permanent', hint: 'Meta refused a parameter of the request: check the recipient and the content.' }],
  [131051, { category: 'permanent', hint: 'WhatsApp does not support this message type.' }],
  [131052, { category: 'permanent', hint: "WhatsApp could not download the customer's media." }],
  [131053, { category: 'permanent', hint: 'WhatsApp could not download the media from its URL: make it public http(s), of a supported type and size.' }],
  [131008, { category: 'permanent', hint: 'A required parameter is missing from the message.' }],
  [131009, { category: 'permanent', hint: 'A parameter value is invalid: check the recipient and the content.' }],
  [131045, { category: 'permanent', hint: "The sending number is not registered with the Cloud API: register it." }],
  [131042, { category: 'permanent', hint: "The WhatsApp Business Account has a payment problem: fix its payment method." }],
  [132000, { category: 'permanent', hint: "The template's parameters do not match its placeholders: give one value per {{n}}." }],
  [132001, { category: 'permanent', hint: 'No approved template of this name and language: check both in WhatsApp Manager.' }],
  [133010, { category: 'permanent', hint: 'The sending number is not registered: register it with the Cloud API.' }],
  [551, { category: 'permanent', hint: 'This person cannot be messaged right now.' }],
]);

/**
 * Subcodes that name the window rather than their code's general meaning: Messenger's
 * "outside of allowed window" (10/2018278) and Instagram's (551/1545041).
 */
const windowSubcodes = new Set([2018278, 1545041]);
const windowFailure: Failure = { category: 'window', hint: 'More than 24 hours since the customer last wrote (7 days with the human-agent tag): wait for them to write.' };

/**
 * Rate limits: the Graph API's own (4, 17, 32, 613, https://developers.facebook.com/docs/graph-api/overview/rate-limiting),
 * Messenger's 80007, WhatsApp's throughput (130429), pair rate (131056) and spam rate (131048).
 */
const throttledCodes = new Set([4, 17, 32, 613, 80007, 130429, 131056, 131048]);

/** Unknown errors and service outages: the docs never say the request was not processed, so it may have been. */
const maybeProcessedCodes = new Set([1, 2, 131000, 131016]);

/** Classifies a Graph API refusal by its code, subcode and HTTP status. */
export const classifyGraphError = (status: number, error: GraphError, retryAfterSeconds: number | undefined): SendOutcome => {
  const code = error.code ?? status;
  const providerError = { code: error.error_subcode === undefined ? String(code) : `${code}/${error.error_subcode}`, message: error.message ?? `HTTP ${status}` };
  if (status === 429 || throttledCodes.has(code)) return { kind: 'throttled', ...providerError, ...(retryAfterSeconds !== undefined && { retryAfterSeconds }) };
  if (error.error_subcode !== undefined && windowSubcodes.has(error.error_subcode)) return { kind: 'failed', ...windowFailure, ...providerError };
  const known = failures.get(code);
  if (known) return { kind: 'failed', ...known, ...providerError };
  if (status === 401) return { kind: 'failed', category: 'credentials', hint: reconnect, ...providerError };
  if (status === 503 && retryAfterSeconds !== undefined) return { kind: 'temporary', retryAfterSeconds, ...providerError };
  if (status >= 500 || error.code === undefined || maybeProcessedCodes.has(code)) return { kind: 'unknown', ...providerError };
  return { kind: 'failed', category: 'permanent', hint: `Meta refused the message: ${providerError.message}`, ...providerError };
};

const refuse = (code: string, message: string, hint: string): SendOutcome => ({ kind: 'failed', category: 'permanent', code, message, hint });

type MediaKind = 'image' | 'video' | 'audio' | 'document';

const whatsappMediaKind = (media: OutboundMedia): MediaKind => {
  const [family] = media.contentType.split('/');
  return family === 'image' || family === 'video' || family === 'audio' ? family : 'document';
};

type Built = { readonly body: Record<string, unknown> } | { readonly refusal: SendOutcome };

const oneAttachment = refuse('switchboard.one_attachment', 'more than one attachment', 'Meta takes one attachment per message: send each one as its own message.');

/**
 * A WhatsApp Cloud API message: text, one media by link (the text as its caption), or a template.
 * `biz_opaque_callback_data` carries our id into every status webhook of the message.
 */
export const whatsappMessageBody = (request: SendRequest): Built => {
  const { text, media = [], template } = request.content;
  const envelope = { messaging_product: 'whatsapp', recipient_type: 'individual', to: request.to, biz_opaque_callback_data: request.messageId };
  if (template) {
    const parameters = template.parameters.map((value) => ({ type: 'text', text: value }));
    const components = parameters.length > 0 ? [{ type: 'body', parameters }] : [];
    return { body: { ...envelope, type: 'template', template: { name: template.name, language: { code: template.language }, components } } };
  }
  if (media.length > 1) return { refusal: oneAttachment };
  const [item] = media;
  if (!item) return { body: { ...envelope, type: 'text', text: { body: text ?? '', preview_url: false } } };
  const kind = whatsappMediaKind(item);
  // Audio is the one media WhatsApp shows no caption with.
  if (kind === 'audio' && text) return { refusal: refuse('switchboard.audio_caption', 'audio with text', 'WhatsApp audio has no caption: send the text as its own message.') };
  return { body: { ...envelope, type: kind, [kind]: { link: item.url, ...(text && { caption: text }) } } };
};

const messengerAttachmentType = (media: OutboundMedia): string => {
  const [family] = media.contentType.split('/');
  return family === 'image' || family === 'video' || family === 'audio' ? family : 'file';
};

/**
 * A Messenger/Instagram Send API message: text, or one attachment by URL. `metadata` comes back
 * on the message's echo, naming it ours. Past 24 hours, the HUMAN_AGENT tag allows 7 days.
 */
export const messagingMessageBody = (request: SendRequest): Built => {
  const { text, media = [], template } = request.content;
  if (template) return { refusal: refuse('switchboard.no_templates', 'a template on Messenger', 'Templates are for WhatsApp: send text or media.') };
  if (media.length > 1) return { refusal: oneAttachment };
  const [item] = media;
  if (item && text) {
    return { refusal: refuse('switchboard.text_and_attachment', 'text with an attachment', 'Messenger sends text and an attachment as two messages: send them apart.') };
  }
  const message = item
    ? { attachment: { type: messengerAttachmentType(item), payload: { url: item.url, is_reusable: false } }, metadata: request.messageId }
    : { text: text ?? '', metadata: request.messageId };
  const messaging = request.humanAgentTag ? { messaging_type: 'MESSAGE_TAG', tag: 'HUMAN_AGENT' } : { messaging_type: 'RESPONSE' };
  return { body: { recipient: { id: request.to }, ...messaging, message } };
};

/** The message id of a 2xx answer: WhatsApp's `messages[0].id`, or the Send API's `message_id`. */
const acceptedIdOf = (body: unknown): string | undefined => {
  if (typeof body !== 'object' || body === null) return undefined;
  const answer = body as { messages?: { id?: unknown }[]; message_id?: unknown };
  const id = answer.messages?.[0]?.id ?? answer.message_id;
  return typeof id === 'string' && id !== '' ? id : undefined;
};

const readJson = async (response: Response): Promise<unknown> => {
  try {
    return await response.json();
  } catch {
    return undefined;
  }
};

const outcomeOf = async (response: Response): Promise<SendOutcome> => {
  const body = await readJson(response);
  if (response.ok) {
    const id = acceptedIdOf(body);
    return id ? { kind: 'accepted', providerMessageId: id } : { kind: 'unknown', code: String(response.status), message: 'Meta answered without a message id' };
  }
  const error = typeof body === 'object' && body !== null && 'error' in body && typeof body.error === 'object' && body.error !== null ? (body.error as GraphError) : {};
  return classifyGraphError(response.status, error, retryAfterSecondsOf(response.headers.get('retry-after')));
};

const noToken: SendOutcome = {
  kind: 'failed',
  category: 'credentials',
  code: 'credentials',
  message: 'the endpoint has no Meta access token',
  hint: "Set the endpoint's Meta access token.",
};

// https://developers.facebook.com/documentation/business-messaging/whatsapp/throughput: 80 messages a second per number by default.
const whatsappPerSecond = 80;
// https://developers.facebook.com/documentation/business-messaging/messenger-platform/overview/rate-limiting:
// 300 calls a second per Page (or Instagram professional account) for text, 10 for audio or video.
const messagingPerSecond = 300;
const messagingAudioVideoPerSecond = 10;

const metaRate = (channel: Channel): SendRate => ({ perSecond: channel === 'whatsapp' ? whatsappPerSecond : messagingPerSecond });

/** One unit, but audio or video on Messenger/Instagram costs 30 of a page's 300 a second: its own limit is 10. */
const metaCost = ({ channel, content }: Pick<SendRequest, 'channel' | 'content'>): number => {
  const audioOrVideo = content.media?.some((item) => /^(audio|video)\//.test(item.contentType)) ?? false;
  return channel !== 'whatsapp' && audioOrVideo ? messagingPerSecond / messagingAudioVideoPerSecond : 1;
};

export const createMetaSender = ({ baseUrl = 'https://graph.facebook.com', apiVersion = 'v23.0' }: MetaSenderOptions = {}): ProviderSender => ({
  async send(request, credentials, signal) {
    if (credentials.provider !== 'meta') return noToken;
    const built = request.channel === 'whatsapp' ? whatsappMessageBody(request) : messagingMessageBody(request);
    if ('refusal' in built) return built.refusal;
    const url = `${baseUrl.replace(/\/+$/, '')}/${apiVersion}/${encodeURIComponent(request.from)}/messages`;
    let response: Response;
    try {
      response = await fetch(url, {
        method: 'POST',
        headers: { authorization: `Bearer ${credentials.accessToken}`, 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify(built.body),
        signal,
      });
    } catch (error) {
      return transportOutcome(error, 'Meta');
    }
    try {
      return await outcomeOf(response);
    } catch (error) {
      return transportOutcome(error, 'Meta');
    }
  },
  defaultRate: metaRate,
  costOf: metaCost,
});
