import { createHash } from 'node:crypto';
import * as z from 'zod/mini';
import { en } from 'zod/locales';
import { maySendThrough, type Endpoint } from './endpoint.ts';
import { Refused } from './errors.ts';
import { conversationIdFor, newOutboundMessageId, type ConversationKey } from './ids.ts';
import { statusRank } from './items.ts';
import type { Channel, MediaItem } from './message.ts';
import type { OutboundContent } from './outbound.ts';
import { isOneMailbox, oneLine, replyPartsAfter, storedEmailParts, type EmailParts } from './email-reply.ts';
import type { StoredMessage } from './items.ts';
import { resolveUploads, type UploadDependencies } from './uploads.ts';
import {
  defaultValiditySeconds,
  idempotencyItem,
  openItem,
  type IdempotencyRecord,
  type OutboundMessage,
} from './sending-items.ts';
import { windowOf } from './window.ts';

/**
 * Accepting a message an agent sends (POST /conversations/{id}/messages, POST /messages, the
 * WebSocket's `send`): check it, refuse what the conversation cannot take now, store it as
 * queued with its idempotency record in one transaction, and queue it. The sender does the
 * rest; this is the only way in, so `?wait=` waits on the same queue.
 */

export type Item = Record<string, unknown>;

export interface AcceptDependencies {
  /** A conversation item by id, read consistently, or undefined. */
  conversation(conversationId: string): Promise<Item | undefined>;
  endpoint(endpointId: string): Promise<Endpoint | undefined>;
  idempotencyRecord(tenantId: string, idempotencyKey: string): Promise<IdempotencyRecord | undefined>;
  /**
   * Stores the message, its conversation's change, the idempotency record and the open marker
   * in one transaction: 'taken' when the key's record exists (nothing is written).
   */
  store(message: OutboundMessage, conversation: ConversationKey, records: readonly Item[]): Promise<'stored' | 'taken'>;
  /** Puts the message on its channel's send queue. */
  enqueue(message: Pick<OutboundMessage, 'id' | 'tenantId' | 'channel'>): Promise<void>;
  /** A message item by id, or undefined. */
  message(messageId: string): Promise<Item | undefined>;
  now(): Date;
  sleep(milliseconds: number): Promise<void>;
  /** Told of a queueing that failed: the reconciler will queue the message, so the caller is not refused. */
  onEnqueueFailed?(error: unknown, messageId: string): void;
  /** The caller's uploaded files (POST /media); without them, a `{mediaId}` is refused. */
  uploads?: Pick<UploadDependencies, 'upload' | 'head'>;
}

/** The channels Switchboard sends on, by the provider that carries them. */
const sendableChannels: Readonly<Record<string, readonly Channel[]>> = {
  twilio: ['sms', 'mms', 'whatsapp'],
  meta: ['whatsapp', 'messenger', 'instagram'],
  sendgrid: ['email'],
  mailgun: ['email'],
  sms: ['sms'],
};

// zod/mini carries no messages of its own: without these, every mistake in a body reads "Invalid input".
z.config(en());

export const maxWaitSeconds = 10;
/** WhatsApp's and Twilio's longest text; Messenger's is 2,000, which its API enforces itself. */
const maxTextLength = 4096;
const maxMediaItems = 10;
const maxIdLength = 256;
/** An email's HTML part, kept on the message until it is sent: well within an item's 400 KB. */
const maxHtmlLength = 64 * 1024;

const httpUrl = z.url({ protocol: /^https?$/, error: 'media url must be an http(s) URL the provider can fetch' });
const linkedMedia = z.strictObject({ url: httpUrl, contentType: z.string().check(z.regex(/^[\w.+-]+\/[\w.+-]+$/, { error: 'media contentType must be a MIME type, e.g. image/jpeg' })) });
/** A file the caller uploaded (POST /media), by the id that answered it. */
const uploadedMedia = z.strictObject({ mediaId: z.string().check(z.minLength(1), z.maxLength(maxIdLength)) });
const contentSchema = {
  text: z.optional(z.string().check(z.minLength(1, { error: 'text must not be empty' }), z.maxLength(maxTextLength, { error: `text is longer than ${maxTextLength} characters` }))),
  media: z.optional(
    z
      .array(z.union([linkedMedia, uploadedMedia]))
      .check(z.minLength(1), z.maxLength(maxMediaItems, { error: `at most ${maxMediaItems} media items` })),
  ),
  /** Email only: an HTML part beside the text. */
  html: z.optional(z.string().check(z.minLength(1, { error: 'html must not be empty' }), z.maxLength(maxHtmlLength, { error: `html is longer than ${maxHtmlLength} characters` }))),
  template: z.optional(
    z.strictObject({
      name: z.string().check(z.minLength(1), z.maxLength(512)),
      language: z.string().check(z.regex(/^[a-z]{2,3}(_[A-Z]{2})?$/, { error: 'template language must be a code like en or en_US' })),
      parameters: z._default(z.array(z.string().check(z.maxLength(1024))).check(z.maxLength(100)), []),
    }),
  ),
};
const address = z.string().check(z.minLength(1), z.maxLength(320));
const replySchema = z.strictObject(contentSchema);
const firstMessageSchema = z.strictObject({
  ...contentSchema,
  channel: z.enum(['sms', 'mms', 'whatsapp', 'messenger', 'instagram', 'email']),
  endpointId: z.string().check(z.minLength(1), z.maxLength(maxIdLength)),
  to: address,
  from: z.optional(address),
  /** Email only, and required there: a reply takes its subject from the mail it answers. */
  subject: z.optional(z.string().check(z.minLength(1, { error: 'subject must not be empty' }), z.maxLength(998, { error: 'subject is longer than 998 characters' }))),
});

/** Printable ASCII, as Stripe and the IETF draft take it; long enough for a UUID or a caller's own composite key. */
const idempotencyKeyPattern = /^[\x21-\x7e]{1,255}$/;

export type SendTarget = { readonly conversationId: string } | { readonly firstMessage: true };

export interface SendCommand {
  readonly tenantId: string;
  readonly target: SendTarget;
  /** The caller's Idempotency-Key. */
  readonly idempotencyKey: string | undefined;
  /** The request's JSON body, parsed. */
  readonly body: unknown;
  /** Seconds to wait for the outcome (`?wait=`), 0 to answer once queued. */
  readonly waitSeconds?: number;
  /** Where the request came from, for the message's source. */
  readonly requestId: string;
}

export interface SendAnswer {
  readonly statusCode: 200 | 202;
  readonly body: { readonly id: string; readonly status: string; readonly conversationId: string } & Item;
}

const invalid = (message: string) => new Refused('bad_request', message);

const parseBody = <Schema extends z.ZodMiniType>(schema: Schema, body: unknown): z.output<Schema> => {
  const parsed = schema.safeParse(body);
  if (!parsed.success) throw invalid(parsed.error.issues.map((issue) => (issue.path.length ? `${issue.path.join('.')}: ${issue.message}` : issue.message)).join('; '));
  return parsed.data;
};

/** A media item as a request names it: by a link the provider fetches, or by an uploaded file's id. */
type RequestedMedia = z.output<typeof linkedMedia> | z.output<typeof uploadedMedia>;

/** The message's text or template; its media are resolved once its channel is known (`mediaOf`). */
const contentOf = (body: { text?: string; media?: readonly RequestedMedia[]; template?: OutboundContent['template'] }): OutboundContent => {
  if (body.text === undefined && body.media === undefined && body.template === undefined) throw invalid('a message needs text, media or a template');
  if (body.template && (body.text !== undefined || body.media !== undefined)) throw invalid('a template is sent alone: leave out text and media');
  return { ...(body.text !== undefined && { text: body.text }), ...(body.template && { template: body.template }) };
};

/**
 * The message's media, in the order given: links as they are, uploaded files as stored under
 * the caller's tenant, checked against the channel's caps with their real sizes. Email takes
 * uploaded files only: fetching a caller's link from inside the stack would let a tenant make
 * it read any address it can reach (SSRF).
 */
const mediaOf = async (requested: readonly RequestedMedia[], tenantId: string, channel: Channel, deps: AcceptDependencies): Promise<MediaItem[]> => {
  if (channel === 'email' && requested.some((item) => 'url' in item)) throw invalid('email attachments must be uploaded: upload the file with POST /media, then send it as {"mediaId": "…"}');
  const mediaIds = requested.flatMap((item) => ('mediaId' in item ? [item.mediaId] : []));
  if (mediaIds.length > 0 && !deps.uploads) throw invalid('this stack takes no uploaded files');
  const uploads = mediaIds.length > 0 && deps.uploads ? await resolveUploads(tenantId, channel, mediaIds, deps.uploads) : [];
  return requested.map((item) => ('mediaId' in item ? uploads[mediaIds.indexOf(item.mediaId)]! : { url: item.url, contentType: item.contentType }));
};

const noEmailToAnswer = () => invalid('this conversation has no email to reply to: start one with POST /messages, with a subject');

/**
 * An email's subject, HTML part and threading: a first email's own subject, or a reply's taken
 * from the conversation's latest message (core/email-reply.ts), so that it threads in the
 * customer's mail client. Undefined on other channels, which take neither subject nor html.
 */
const emailPartsFor = async (
  body: { text?: string; html?: string; subject?: string },
  firstMessage: boolean,
  destination: Destination,
  deps: AcceptDependencies,
): Promise<EmailParts | undefined> => {
  if (destination.key.channel !== 'email') {
    if (body.subject !== undefined || body.html !== undefined) throw invalid('subject and html are for email only');
    return undefined;
  }
  // Providers need a text part; html is optional beside it.
  if (body.text === undefined) throw invalid('an email needs text (its plain-text part); html is optional beside it');
  const html = body.html === undefined ? {} : { html: body.html };
  if (firstMessage) {
    if (body.subject === undefined) throw invalid('subject is required for a first email');
    if (oneLine(body.subject) !== body.subject) throw invalid('subject must be one line, without control characters');
    if (!isOneMailbox(destination.key.customerAddress)) throw invalid('to must be one email address, like name@example.com');
    return { subject: body.subject, ...html };
  }
  const latestId = destination.conversation?.lastMessageId;
  const latest = typeof latestId === 'string' ? await deps.message(latestId) : undefined;
  // The conversation was checked to be the tenant's; its latest message must be too.
  if (latest?.tenantId !== destination.key.tenantId || latest.conversationId !== destination.conversation?.id) throw noEmailToAnswer();
  const parts = replyPartsAfter(latest as unknown as StoredMessage);
  if (!parts?.subject) throw noEmailToAnswer();
  return { ...parts, ...html };
};

/** JSON with every object's keys in order: the same request written in another order is the same request. */
const canonical = (value: unknown): string => {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    return `{${Object.keys(value).sort().map((key) => `${JSON.stringify(key)}:${canonical((value as Record<string, unknown>)[key])}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
};

/** The request as its Idempotency-Key remembers it: the same key with another request is refused. */
const requestDigest = (target: SendTarget, body: unknown): string => createHash('sha256').update(canonical({ target, body })).digest('base64url');

interface Destination {
  readonly key: ConversationKey;
  readonly endpoint: Endpoint;
  readonly conversation?: Item;
}

const noSuchConversation = () => new Refused('not_found', 'no such conversation');

/** Where a reply goes: the conversation's own parties, through the endpoint its messages come through. */
const replyDestination = async (tenantId: string, conversationId: string, deps: AcceptDependencies): Promise<Destination> => {
  if (conversationId === '' || conversationId.length > maxIdLength) throw noSuchConversation();
  const conversation = await deps.conversation(conversationId);
  if (conversation?.tenantId !== tenantId) throw noSuchConversation();
  const endpointId = conversation.endpointId as string | undefined;
  const endpoint = endpointId === undefined ? undefined : await deps.endpoint(endpointId);
  const key: ConversationKey = {
    tenantId,
    channel: conversation.channel as string,
    businessAddress: conversation.businessAddress as string,
    customerAddress: conversation.customerAddress as string,
  };
  if (!endpoint || !maySendThrough(endpoint, tenantId, key.businessAddress)) {
    throw new Refused('no_send_credentials', 'this conversation came through no endpoint that can send; start it again with POST /messages, naming an endpoint with send credentials');
  }
  return { key, endpoint, conversation };
};

/** Where a first message goes: the endpoint the caller names (the tenant's own), from its address, to `to`. */
const firstMessageDestination = async (tenantId: string, body: z.output<typeof firstMessageSchema>, deps: AcceptDependencies): Promise<Destination> => {
  const endpoint = await deps.endpoint(body.endpointId);
  const from = body.from ?? endpoint?.sending?.defaultFrom;
  // Another tenant's endpoint is answered exactly like one that does not exist.
  if (!endpoint || !maySendThrough(endpoint, tenantId, from ?? '')) throw new Refused('not_found', 'no such endpoint');
  if (from === undefined) throw invalid('from is required: this endpoint has no default sending address (set one with switchboard endpoint credentials --from)');
  const key: ConversationKey = { tenantId, channel: body.channel, businessAddress: from, customerAddress: body.to };
  return { key, endpoint, conversation: await deps.conversation(conversationIdFor(key)) };
};

/** Refuses, before anything is stored, a message the conversation cannot take now. */
const checkSendable = (destination: Destination, content: OutboundContent, now: Date): { humanAgentTag?: true } => {
  const { key, endpoint, conversation } = destination;
  const channel = key.channel as Channel;
  if (!sendableChannels[endpoint.provider]?.includes(channel)) throw invalid(`Switchboard does not send ${channel} through ${endpoint.provider} yet`);
  if (!endpoint.sending) {
    throw new Refused('no_send_credentials', `endpoint ${endpoint.endpointId} has no send credentials: set them with switchboard endpoint credentials ${endpoint.endpointId} …`);
  }
  if (endpoint.sending.pausedAt) {
    throw new Refused('no_send_credentials', `sending through endpoint ${endpoint.endpointId} is paused since ${endpoint.sending.pausedAt}: the provider refused its credentials (${endpoint.sending.pausedReason ?? 'no reason given'}); set them again`);
  }
  if (conversation?.optedOut === true) throw new Refused('recipient_opted_out', 'the recipient opted out (they sent STOP): they must send START before you can message them');
  if (content.template && channel !== 'whatsapp') throw invalid('templates are sent on WhatsApp only');
  const window = windowOf(channel, conversation?.lastInboundAt as string | undefined, now);
  if (!window.open && !content.template) {
    const message = window.templateRequired
      ? 'the customer service window is closed: the customer has not written in 24 hours; only a template can be sent'
      : 'the customer service window is closed: the customer has not written in 7 days; nothing can be sent until they do';
    throw new Refused('window_closed', message, { ...(window.closesAt && { closesAt: window.closesAt }), templateRequired: window.templateRequired ?? false });
  }
  return window.humanAgentTag ? { humanAgentTag: true } : {};
};

const textOf = (content: OutboundContent): string =>
  content.text ?? (content.template ? `📄 Template ${content.template.name}${content.template.parameters.length ? `: ${content.template.parameters.join(', ')}` : ''}` : '');

const outboundMessage = (id: string, command: SendCommand, destination: Destination, content: OutboundContent, media: readonly MediaItem[], tag: { humanAgentTag?: true }, now: Date): OutboundMessage => {
  const at = now.toISOString();
  return {
    id,
    conversationId: conversationIdFor(destination.key),
    tenantId: command.tenantId,
    provider: destination.endpoint.provider,
    channel: destination.key.channel as Channel,
    direction: 'outbound',
    from: destination.key.businessAddress,
    to: destination.key.customerAddress,
    text: textOf(content),
    media,
    contentType: content.template ? 'template' : media.length > 0 ? 'media' : 'text',
    ...(content.template && { template: content.template }),
    receivedAt: at,
    storedAt: at,
    source: { requestId: command.requestId, endpointId: destination.endpoint.endpointId },
    status: 'queued',
    statusRank: statusRank.queued,
    statusAt: at,
    sendState: 'ready',
    attempts: 0,
    notBefore: at,
    validUntil: new Date(now.getTime() + defaultValiditySeconds * 1000).toISOString(),
    ...tag,
  };
};

/** The answer for a message: queued (202), or where it ended (200) once the wait saw it sent or failed. */
const answerFor = (item: Item, settled: boolean): SendAnswer => ({
  statusCode: settled ? 200 : 202,
  body: {
    id: item.id as string,
    status: item.status as string,
    conversationId: item.conversationId as string,
    ...(item.providerMessageId !== undefined && { providerMessageId: item.providerMessageId }),
    ...(item.failure !== undefined && { failure: item.failure }),
  },
});

const isSettled = (item: Item): boolean => item.status === 'failed' || (typeof item.statusRank === 'number' && item.statusRank >= statusRank.sent);

/** Waits, reading the message, until it is sent or failed or `seconds` pass. */
const waitForOutcome = async (messageId: string, seconds: number, deps: AcceptDependencies): Promise<Item | undefined> => {
  const until = deps.now().getTime() + seconds * 1000;
  let interval = 25;
  for (;;) {
    const item = await deps.message(messageId);
    if (!item || isSettled(item)) return item;
    const remaining = until - deps.now().getTime();
    if (remaining <= 0) return item;
    await deps.sleep(Math.min(interval, remaining));
    interval = Math.min(interval * 2, 250);
  }
};

const answerAfterWait = async (item: Item, command: SendCommand, deps: AcceptDependencies): Promise<SendAnswer> => {
  const waited = command.waitSeconds ? await waitForOutcome(item.id as string, command.waitSeconds, deps) : undefined;
  // 200 only for a wait that saw the end; a repeat without one answers as the first answer did, with the status now.
  return answerFor(waited ?? item, waited !== undefined && isSettled(waited));
};

/** The same key with the same request answers the message it made; with another request, it is refused. */
const answerRepeat = async (record: IdempotencyRecord, digest: string, command: SendCommand, deps: AcceptDependencies): Promise<SendAnswer> => {
  if (record.requestDigest !== digest) {
    throw new Refused('idempotency_key_reused', 'this Idempotency-Key was used for another request in the last 24 hours: use a new key for a new message');
  }
  const item = await deps.message(record.messageId);
  if (!item) throw new Error(`idempotency record names message ${record.messageId}, which is not stored`);
  // A message still queued may be one whose queueing failed: queueing it again is harmless (its claim is conditional).
  if (item.status === 'queued') await deps.enqueue({ id: record.messageId, tenantId: record.tenantId, channel: record.channel }).catch((error: unknown) => deps.onEnqueueFailed?.(error, record.messageId));
  return answerAfterWait(item, command, deps);
};

/** Accepts one message to send, or refuses it with a reason a person can act on. */
export const acceptSend = async (command: SendCommand, deps: AcceptDependencies): Promise<SendAnswer> => {
  const { tenantId, idempotencyKey } = command;
  if (idempotencyKey === undefined) throw invalid('the Idempotency-Key header is required: a unique value per message, e.g. a UUID, reused only to retry the same request');
  if (!idempotencyKeyPattern.test(idempotencyKey)) throw invalid('Idempotency-Key must be 1 to 255 printable ASCII characters');
  if (command.waitSeconds !== undefined && !(Number.isInteger(command.waitSeconds) && command.waitSeconds >= 0 && command.waitSeconds <= maxWaitSeconds)) {
    throw invalid(`wait must be a whole number of seconds from 0 to ${maxWaitSeconds}`);
  }
  const digest = requestDigest(command.target, command.body);
  const now = deps.now();
  const prepare = async () => {
    const parsed = 'conversationId' in command.target ? parseBody(replySchema, command.body) : parseBody(firstMessageSchema, command.body);
    const content = contentOf(parsed);
    const destination =
      'conversationId' in command.target
        ? await replyDestination(tenantId, command.target.conversationId, deps)
        : await firstMessageDestination(tenantId, parsed as z.output<typeof firstMessageSchema>, deps);
    const media = parsed.media ? await mediaOf(parsed.media, tenantId, destination.key.channel as Channel, deps) : [];
    const email = await emailPartsFor(parsed, !('conversationId' in command.target), destination, deps);
    return { content, destination, media, email };
  };
  // The key's record and the destination are read at once: a repeat answers from its record
  // whatever the destination says now, and a new message needs both.
  const preparing = prepare().then(
    (prepared) => ({ prepared }),
    (error: unknown) => ({ error }),
  );
  const earlier = await deps.idempotencyRecord(tenantId, idempotencyKey);
  if (earlier) return answerRepeat(earlier, digest, command, deps);
  const ready = await preparing;
  if ('error' in ready) throw ready.error;
  const { content, destination, media, email } = ready.prepared;
  const tag = checkSendable(destination, content, now);

  const message = { ...outboundMessage(newOutboundMessageId(), command, destination, content, media, tag, now), ...(email && storedEmailParts(email)) };
  const record: IdempotencyRecord = { tenantId, requestDigest: digest, messageId: message.id, conversationId: message.conversationId, channel: message.channel, acceptedAt: message.storedAt };
  const outcome = await deps.store(
    message,
    destination.key,
    [idempotencyItem(idempotencyKey, record), openItem({ tenantId, messageId: message.id, channel: message.channel, acceptedAt: message.storedAt })],
  );
  if (outcome === 'taken') {
    // A concurrent request with the same key won the transaction: answer as its repeat.
    const winner = await deps.idempotencyRecord(tenantId, idempotencyKey);
    if (!winner) throw new Error('the Idempotency-Key was taken, but its record cannot be read');
    return answerRepeat(winner, digest, command, deps);
  }
  // Stored is accepted: should queueing fail now, the reconciler queues the message within minutes.
  await deps.enqueue(message).catch((error: unknown) => deps.onEnqueueFailed?.(error, message.id));
  return answerAfterWait({ ...message }, command, deps);
};
