import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Channel } from '../../../functions/core/message.ts';
import { metaJson, newWamid, signedMetaRequest } from '../../../functions/providers/meta/sample.ts';
import { createMetaSender } from '../../../functions/providers/meta/send.ts';
import { Faults, type Fault } from './faults.ts';
import { startProviderStandIn, type ProviderStandIn } from './stand-in.ts';
import { Callbacks, json, readBody, sleep, type Answer, type OutgoingWebhook } from './http.ts';
import { MediaShelf } from './media-shelf.ts';
import { RateGate } from './rate-gate.ts';

/**
 * A stand-in for the Graph API's send endpoints on 127.0.0.1: the WhatsApp Cloud API's
 * `POST /{version}/{phone-number-id}/messages` and the Messenger/Instagram Send API's
 * `POST /{version}/{page-or-ig-id}/messages`, answering with their ids and error bodies,
 * holding each number or page to its documented rate, then posting the webhooks Meta sends
 * (WhatsApp statuses; a Messenger echo, delivery and read), signed with the app secret.
 */

/** Where an account's webhooks go, and what signs them; undefined when the token is not the account's. */
export interface StandInWebhook {
  readonly url: string;
  readonly appSecret: string;
  /** The product of a Send API account: a Facebook Page or an Instagram professional account. @default 'messenger' */
  readonly channel?: 'messenger' | 'instagram';
}

export interface GraphApiStandInOptions {
  /** @default 0, any free port */
  readonly port?: number;
  /** The webhook of the account `accountId` (phone number id, page id, Instagram id) when `accessToken` may send for it. */
  readonly webhookOf: (accessToken: string, accountId: string) => Promise<StandInWebhook | undefined>;
  /** How long after the send each webhook posts. @default { sent: 5, delivered: 10, read: 15 } */
  readonly callbackDelaysMs?: { readonly sent?: number; readonly delivered?: number; readonly read?: number };
  /** How early a send may come and still pass the rate limit: timer jitter, not a burst. @default 50 */
  readonly rateToleranceMs?: number;
  /** The WhatsApp Business Account id the webhooks' entries name. @default '102290129340398' */
  readonly businessAccountId?: string;
  /** The business number the WhatsApp webhooks' metadata shows. @default '15550783881' */
  readonly displayPhoneNumber?: string;
  /** The app id Messenger echoes name. @default 1517776481860111 */
  readonly appId?: number;
  /** Whether an access token is one of an account's: a media lookup and download take any account's token. @default any token */
  readonly knowsToken?: (accessToken: string) => Promise<boolean>;
}

/** A message the stand-in took, as a test reads it. */
export interface GraphStandInMessage {
  /** The wamid, or the Send API's `m_…` mid. */
  readonly id: string;
  readonly channel: Extract<Channel, 'whatsapp' | 'messenger' | 'instagram'>;
  /** The phone number id, page id or Instagram account id it was sent from. */
  readonly accountId: string;
  readonly from: string;
  readonly to: string;
  /** The text or caption. */
  readonly body: string;
  readonly media: readonly string[];
  readonly template?: string;
  /** `biz_opaque_callback_data` or `metadata`: what the sender gave to be named back. */
  readonly callbackData?: string;
  readonly createdAt: Date;
}

/** With the WhatsApp media it serves: `media.put(mediaId, file)`, then a webhook naming that id. */
export type GraphApiStandIn = ProviderStandIn<GraphStandInMessage> & { readonly media: MediaShelf };

const fbtraceId = (): string => randomBytes(8).toString('base64url');

// https://developers.facebook.com/docs/graph-api/guides/error-handling
const graphError = (status: number, code: number, message: string, extra: Record<string, unknown> = {}, headers: Record<string, string> = {}): Answer =>
  json(status, { error: { message, type: 'OAuthException', code, ...extra, fbtrace_id: fbtraceId() } }, headers);

const internalError = (): Answer => graphError(500, 2, 'An unexpected error has occurred. Please retry your request later.');
const invalidToken = (): Answer => graphError(401, 190, 'Invalid OAuth access token - Cannot parse access token');
const invalidParameter = (message: string): Answer => graphError(400, 100, `(#100) ${message}`);

const faultDefaults: Readonly<Record<number, { readonly code: number; readonly message: string }>> = {
  429: { code: 130429, message: '(#130429) Rate limit hit' },
  500: { code: 2, message: 'An unexpected error has occurred. Please retry your request later.' },
  503: { code: 2, message: 'Service temporarily unavailable' },
  400: { code: 100, message: '(#100) Invalid parameter' },
};

const faultAnswer = (fault: Fault & { status: number }): Answer => {
  const defaults = faultDefaults[fault.status] ?? { code: 1, message: 'An unknown error occurred' };
  const headers: Record<string, string> = fault.retryAfterSeconds === undefined ? {} : { 'retry-after': String(fault.retryAfterSeconds) };
  return graphError(fault.status, fault.code ?? defaults.code, defaults.message, {}, headers);
};

const tokenOf = (request: IncomingMessage, url: URL): string | undefined => {
  const header = request.headers.authorization ?? '';
  if (header.startsWith('Bearer ')) return header.slice('Bearer '.length).trim() || undefined;
  return url.searchParams.get('access_token') ?? undefined;
};

type Json = Record<string, unknown>;
const objectAt = (value: unknown): Json | undefined => (typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Json) : undefined);
const textAt = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value : undefined);

const whatsappMediaTypes = ['image', 'video', 'audio', 'document', 'sticker'];

/** A WhatsApp send request read as a message, or the 400 the Cloud API gives it. */
const whatsappMessage = (body: Json, accountId: string): Omit<GraphStandInMessage, 'id' | 'createdAt'> | Answer => {
  if (body.messaging_product !== 'whatsapp') return invalidParameter('The parameter messaging_product is required.');
  const to = textAt(body.to);
  if (!to) return invalidParameter('The parameter to is required.');
  if (!/^\+?\d{6,15}$/.test(to)) return graphError(400, 131009, '(#131009) Parameter value is not valid', { error_data: { details: 'Invalid recipient' } });
  const type = textAt(body.type) ?? 'text';
  const common = { channel: 'whatsapp' as const, accountId, from: accountId, to, ...(textAt(body.biz_opaque_callback_data) && { callbackData: String(body.biz_opaque_callback_data) }) };
  if (type === 'text') {
    const text = textAt(objectAt(body.text)?.body);
    return text ? { ...common, body: text, media: [] } : invalidParameter("The parameter text['body'] is required.");
  }
  if (whatsappMediaTypes.includes(type)) {
    const media = objectAt(body[type]);
    const link = textAt(media?.link);
    if (!link && !textAt(media?.id)) return invalidParameter(`The parameter ${type}['link'] is required.`);
    return { ...common, body: textAt(media?.caption) ?? '', media: link ? [link] : [] };
  }
  if (type === 'template') {
    const name = textAt(objectAt(body.template)?.name);
    return name ? { ...common, body: '', media: [], template: name } : invalidParameter("The parameter template['name'] is required.");
  }
  return invalidParameter(`Param type must be one of {text, image, video, audio, document, sticker, template} - got "${type}".`);
};

/** A Send API request read as a message, or the 400 the Send API gives it. */
const messagingMessage = (body: Json, accountId: string, channel: 'messenger' | 'instagram'): Omit<GraphStandInMessage, 'id' | 'createdAt'> | Answer => {
  const to = textAt(objectAt(body.recipient)?.id);
  if (!to) return invalidParameter('The parameter recipient is required');
  const message = objectAt(body.message);
  if (!message) return invalidParameter('param message must be non-empty.');
  if (body.messaging_type === 'MESSAGE_TAG' && !textAt(body.tag)) return invalidParameter('Param tag is required when messaging_type is MESSAGE_TAG');
  const text = textAt(message.text);
  const url = textAt(objectAt(objectAt(message.attachment)?.payload)?.url);
  if (text && message.attachment) return invalidParameter('Only one of text or attachment can be specified');
  if (!text && !url) return invalidParameter('param message must be non-empty.');
  return { channel, accountId, from: accountId, to, body: text ?? '', media: url ? [url] : [], ...(textAt(message.metadata) && { callbackData: String(message.metadata) }) };
};

/** Where the stand-in serves media downloads, as Meta's lookaside CDN does. */
const lookasidePath = '/whatsapp_business/attachments/';

const unixSeconds = (date: Date): string => String(Math.floor(date.getTime() / 1000));

export const startGraphApiStandIn = async (options: GraphApiStandInOptions): Promise<GraphApiStandIn> => {
  const messages: GraphStandInMessage[] = [];
  const media = new MediaShelf();
  const faults = new Faults();
  const callbacks = new Callbacks();
  const gate = new RateGate(options.rateToleranceMs);
  const stopping = new AbortController();
  // The stand-in holds numbers and pages to the rates our own client documents: Meta's.
  const rates = createMetaSender();
  const delays = { sent: 5, delivered: 10, read: 15, ...options.callbackDelaysMs };
  const businessAccountId = options.businessAccountId ?? '102290129340398';
  const displayPhoneNumber = options.displayPhoneNumber ?? '15550783881';
  const appId = options.appId ?? 1517776481860111;

  const signed = (webhook: StandInWebhook, payload: unknown): OutgoingWebhook => ({ url: webhook.url, ...signedMetaRequest(webhook.appSecret, metaJson(payload)) });

  // https://developers.facebook.com/documentation/business-messaging/whatsapp/webhooks/reference/messages/status
  const whatsappStatus = (message: GraphStandInMessage, status: 'sent' | 'delivered' | 'read', at: Date): unknown => {
    const conversation = { id: `conv-${message.id.slice(6, 18)}`, origin: { type: message.template ? 'utility' : 'service' } };
    const billing =
      status === 'read'
        ? {}
        : {
            conversation: status === 'sent' ? { ...conversation, expiration_timestamp: unixSeconds(new Date(at.getTime() + 86_400_000)) } : conversation,
            pricing: { billable: message.template !== undefined, pricing_model: 'PMP', category: conversation.origin.type, type: 'regular' },
          };
    return {
      object: 'whatsapp_business_account',
      entry: [
        {
          id: businessAccountId,
          changes: [
            {
              field: 'messages',
              value: {
                messaging_product: 'whatsapp',
                metadata: { display_phone_number: displayPhoneNumber, phone_number_id: message.accountId },
                statuses: [
                  {
                    id: message.id,
                    status,
                    timestamp: unixSeconds(at),
                    recipient_id: message.to.replace(/^\+/, ''),
                    ...(message.callbackData && { biz_opaque_callback_data: message.callbackData }),
                    ...billing,
                  },
                ],
              },
            },
          ],
        },
      ],
    };
  };

  // https://developers.facebook.com/docs/messenger-platform/reference/webhook-events
  const messagingEvent = (message: GraphStandInMessage, event: 'echo' | 'delivery' | 'read', at: Date): unknown => {
    const timestamp = at.getTime();
    const fromCustomer = { sender: { id: message.to }, recipient: { id: message.accountId }, timestamp };
    const attachments = message.media.map((url) => ({ type: 'image', payload: { url } }));
    const events = {
      echo: {
        sender: { id: message.accountId },
        recipient: { id: message.to },
        timestamp,
        message: {
          mid: message.id,
          is_echo: true,
          app_id: appId,
          ...(message.callbackData && { metadata: message.callbackData }),
          ...(message.body && { text: message.body }),
          ...(attachments.length > 0 && { attachments }),
        },
      },
      delivery: { ...fromCustomer, delivery: { mids: [message.id], watermark: timestamp } },
      // Instagram's seen events name the message; Messenger's carry a watermark.
      read: { ...fromCustomer, read: message.channel === 'instagram' ? { mid: message.id } : { watermark: timestamp } },
    };
    return { object: message.channel === 'instagram' ? 'instagram' : 'page', entry: [{ id: message.accountId, time: timestamp, messaging: [events[event]] }] };
  };

  const scheduleWebhooks = (message: GraphStandInMessage, accessToken: string): void => {
    const post = (delay: number, payloadAt: (at: Date) => unknown): void =>
      callbacks.schedule(delay, async () => {
        const webhook = await options.webhookOf(accessToken, message.accountId);
        return webhook && signed(webhook, payloadAt(new Date()));
      });
    if (message.channel === 'whatsapp') {
      post(delays.sent, (at) => whatsappStatus(message, 'sent', at));
      post(delays.delivered, (at) => whatsappStatus(message, 'delivered', at));
      post(delays.read, (at) => whatsappStatus(message, 'read', at));
      return;
    }
    post(delays.sent, (at) => messagingEvent(message, 'echo', at));
    // Instagram sends no delivery receipts, only seen.
    if (message.channel === 'messenger') post(delays.delivered, (at) => messagingEvent(message, 'delivery', at));
    post(delays.read, (at) => messagingEvent(message, 'read', at));
  };

  const send = async (accountId: string, accessToken: string, webhook: StandInWebhook, request: IncomingMessage): Promise<Answer> => {
    const text = await readBody(request);
    if (text === undefined) return invalidParameter('Request too large');
    const fault = faults.next();
    if (fault?.delayMs) await sleep(fault.delayMs, stopping.signal);
    if (fault?.status !== undefined && !fault.afterAccepting) return faultAnswer({ ...fault, status: fault.status });
    let parsed: Json | undefined;
    try {
      parsed = objectAt(JSON.parse(text));
    } catch {
      parsed = undefined;
    }
    if (!parsed) return invalidParameter('Invalid JSON for postdata');
    const isWhatsapp = parsed.messaging_product !== undefined;
    const read = isWhatsapp ? whatsappMessage(parsed, accountId) : messagingMessage(parsed, accountId, webhook.channel ?? 'messenger');
    if ('status' in read) return read;
    // What the rate counts: a Send API attachment's type stands for its content type (audio and video cost more).
    const attachmentType = textAt(objectAt(objectAt(parsed.message)?.attachment)?.type);
    const content = { text: read.body, media: read.media.map((url) => ({ url, contentType: `${attachmentType ?? parsed.type}/*` })) };
    const admitted = gate.admit(`${read.channel}/${accountId}`, rates.defaultRate(read.channel, accountId).perSecond, rates.costOf({ channel: read.channel, content }));
    // Graph answers its throttles 400, naming them by code: 130429 for a number's throughput, 613 for a page's calls.
    if (!admitted.admitted) return isWhatsapp ? graphError(400, 130429, '(#130429) Rate limit hit') : graphError(400, 613, 'Calls to this api have exceeded the rate limit.');
    const message: GraphStandInMessage = { ...read, id: isWhatsapp ? newWamid() : `m_${randomBytes(30).toString('base64url')}`, createdAt: new Date() };
    messages.push(message);
    scheduleWebhooks(message, accessToken);
    if (fault?.status !== undefined) return faultAnswer({ ...fault, status: fault.status });
    // https://developers.facebook.com/docs/whatsapp/cloud-api/reference/messages#response
    if (isWhatsapp) {
      return json(200, {
        messaging_product: 'whatsapp',
        contacts: [{ input: message.to, wa_id: message.to.replace(/^\+/, '') }],
        messages: [{ id: message.id, ...(message.template && { message_status: 'accepted' }) }],
      });
    }
    return json(200, { recipient_id: message.to, message_id: message.id });
  };

  // https://developers.facebook.com/docs/whatsapp/cloud-api/reference/media#retrieve-media-url: the URL is
  // Meta's lookaside CDN, which takes the same token; here a path of the stand-in itself.
  const mediaLookup = (mediaId: string, request: IncomingMessage): Answer => {
    const file = media.get(mediaId);
    if (!file) return graphError(400, 100, `Unsupported get request. Object with ID '${mediaId}' does not exist, cannot be loaded due to missing permissions, or does not support this operation.`, { error_subcode: 33 });
    const sha256 = media.sha256Of(file);
    return json(200, {
      messaging_product: 'whatsapp',
      url: `http://${request.headers.host}${lookasidePath}?mid=${mediaId}&ext=${Math.floor(Date.now() / 1000) + 300}`,
      mime_type: file.contentType,
      ...(sha256 && { sha256 }),
      file_size: String(media.sizeOf(file)),
      id: mediaId,
    });
  };

  const knowsToken = async (request: IncomingMessage, url: URL): Promise<boolean> => {
    const token = tokenOf(request, url);
    return token !== undefined && (options.knowsToken ? await options.knowsToken(token) : true);
  };

  const handle = async (request: IncomingMessage): Promise<Answer> => {
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    if (request.method === 'GET' && url.pathname === lookasidePath) {
      if (!(await knowsToken(request, url))) return invalidToken();
      return media.answerFor(url.searchParams.get('mid') ?? '', { status: 404, headers: { 'content-type': 'text/html' }, body: Buffer.from('URL signature expired') }, stopping.signal);
    }
    const lookup = /^\/v\d+\.\d+\/(\d+)$/.exec(url.pathname);
    if (request.method === 'GET' && lookup?.[1]) return (await knowsToken(request, url)) ? mediaLookup(lookup[1], request) : invalidToken();
    const route = /^\/v\d+\.\d+\/(\d+)\/messages$/.exec(url.pathname);
    if (!route?.[1]) return graphError(400, 2500, `Unknown path components: ${url.pathname}`);
    if (request.method !== 'POST') {
      return graphError(400, 100, `Unsupported ${request.method?.toLowerCase()} request. Please read the Graph API documentation`, { error_subcode: 33 });
    }
    const accessToken = tokenOf(request, url);
    const webhook = accessToken === undefined ? undefined : await options.webhookOf(accessToken, route[1]);
    if (accessToken === undefined || !webhook) return invalidToken();
    return send(route[1], accessToken, webhook, request);
  };

  const standIn = await startProviderStandIn({ port: options.port ?? 0, handle, internalError: internalError(), messages, faults, callbacks, stopping, media });
  // Onto the stand-in itself: a spread would freeze its live counters (requests, callbacks) at 0.
  return Object.assign(standIn, { media });
};
