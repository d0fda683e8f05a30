/**
 * The provider-neutral shapes every provider normalizes into. A provider's `normalize` turns
 * one verified request into a list of these; the processor stores each exactly once.
 */

export type Channel = 'sms' | 'mms' | 'whatsapp' | 'messenger' | 'instagram' | 'email';
export type Direction = 'inbound' | 'outbound';

export interface MediaItem {
  /**
   * Where the provider serves it. Meta's CDN and Twilio's media URLs may expire or need auth.
   * Always http(s), as the WHATWG parser writes it: any other URL is dropped (providers/safe-urls.ts).
   */
  readonly url?: string;
  /** The provider's handle to fetch it with (WhatsApp media id), when there is no URL. */
  readonly providerMediaId?: string;
  readonly contentType?: string;
  /** image, video, audio, document, sticker, file, story_mention…: the provider's own word. */
  readonly kind?: string;
  readonly filename?: string;
  readonly caption?: string;
  /** The provider's word until the file is kept (`ready`), then the stored file's size. */
  readonly sizeBytes?: number;
  /**
   * Whether Switchboard keeps a copy (core/media.ts): `pending` until the media function
   * fetched it, then `ready` (stored under the tenant in the body bucket, served by signed
   * links) or `failed` with `failure`. Absent on a file it has no way to fetch.
   */
  readonly state?: 'pending' | 'ready' | 'failed';
  /** Why the file could not be kept (core/media.ts MediaFailure): too_large, type_not_allowed, timeout, http_404… */
  readonly failure?: string;
  /** A file an agent uploaded to send (core/uploads.ts): kept under the tenant by this id, `ready` from the start. */
  readonly mediaId?: string;
}

/** Who talks to whom: the two addresses that, with the tenant and channel, key a conversation. */
export interface Parties {
  readonly channel: Channel;
  /** The business's own address (number, phone_number_id, page id, inbox): one side of the conversation key. */
  readonly businessAddress: string;
  /** The customer's address: the other side. */
  readonly customerAddress: string;
}

/**
 * A message, inbound from a customer or outbound (an echo of what the business sent from
 * elsewhere: Messenger's is_echo, WhatsApp's smb_message_echoes).
 */
export interface NormalizedMessage extends Parties {
  readonly kind: 'message';
  readonly direction: Direction;
  /** The provider's id, unique per provider: the dedupe key. */
  readonly providerMessageId: string;
  readonly from: string;
  readonly to: string;
  /** What an agent reads: the body, a caption, or a short rendering of non-text content ("📍 Location …"). */
  readonly text: string;
  readonly media: readonly MediaItem[];
  /**
   * The provider's content type: text, image, location, contacts, interactive, button,
   * postback, email, unsupported…
   */
  readonly contentType: string;
  /** The provider message id this one replies to (WhatsApp context.id, Messenger reply_to.mid). */
  readonly replyTo?: string;
  /** Email subject. */
  readonly subject?: string;
  /** When the provider says the message was sent (ISO 8601), if it says. */
  readonly providerTimestamp?: string;
  /**
   * Structured content that has no text form of its own: coordinates, contact cards, button ids.
   * A URL-named key (`url`, `source_url`, `referer_uri`, `href`, `link`…) holds only http(s) URLs.
   */
  readonly details?: Readonly<Record<string, unknown>>;
}

/** Delivery states in the order they are reached; `failed` is terminal but a later `read` wins (WhatsApp). */
export const deliveryStatuses = ['queued', 'sending', 'sent', 'delivered', 'read', 'failed'] as const;
export type DeliveryStatus = (typeof deliveryStatuses)[number];

/** A delivery receipt for a message the business sent. */
export interface NormalizedStatus extends Parties {
  readonly kind: 'status';
  /** Unique per receipt: the dedupe key (wamid + status, sg_event_id + event, Mailgun event id…). */
  readonly eventId: string;
  /**
   * The messages it is about. Messenger's delivery names mids; its read receipts name none
   * and carry only a watermark.
   */
  readonly providerMessageIds: readonly string[];
  /**
   * Our id of the message, when the provider names it back (the `sb_message` parameter of a
   * Twilio StatusCallback URL, WhatsApp's biz_opaque_callback_data, Messenger's metadata): a
   * receipt for a message Switchboard sent finds it by this, before and without its provider id.
   */
  readonly correlationId?: string;
  /** Messenger/Instagram: every message sent before this time (ISO 8601) is covered. */
  readonly watermark?: string;
  readonly status: DeliveryStatus;
  /** The provider's own word (undelivered, bounce, dropped, played…). */
  readonly providerStatus: string;
  readonly error?: { readonly code: string; readonly message?: string };
  readonly providerTimestamp?: string;
}

/** A reaction added to, or removed from (no emoji), a message. */
export interface NormalizedReaction extends Parties {
  readonly kind: 'reaction';
  readonly eventId: string;
  readonly providerMessageId: string;
  readonly direction: Direction;
  /** Absent when the reaction was removed. */
  readonly emoji?: string;
  readonly providerTimestamp?: string;
}

/** A message the sender edited or deleted (Messenger message_edit, Instagram unsend). */
export interface NormalizedRevision extends Parties {
  readonly kind: 'revision';
  readonly eventId: string;
  readonly providerMessageId: string;
  readonly action: 'edited' | 'deleted';
  /** The new text, for an edit. */
  readonly text?: string;
  readonly providerTimestamp?: string;
}

/**
 * Something the provider reports that is neither a message nor about one (an email click,
 * an unsubscribe, a gateway ping, a Messenger referral): recorded, never threaded.
 */
export interface NormalizedNotice {
  readonly kind: 'notice';
  readonly eventId: string;
  readonly name: string;
  readonly channel?: Channel;
  readonly businessAddress?: string;
  readonly providerTimestamp?: string;
  readonly details?: Readonly<Record<string, unknown>>;
}

export type NormalizedEvent = NormalizedMessage | NormalizedStatus | NormalizedReaction | NormalizedRevision | NormalizedNotice;
