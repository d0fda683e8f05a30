/** The provider-neutral shapes every provider normalizes into. */

export type Channel = 'sms' | 'mms' | 'whatsapp' | 'messenger' | 'instagram' | 'email';
export type Direction = 'inbound' | 'outbound';

export interface MediaItem {
  readonly url?: string;
  readonly providerMediaId?: string;
  readonly contentType?: string;
}

export interface NormalizedMessage {
  readonly kind: 'message';
  readonly channel: Channel;
  readonly direction: Direction;
  readonly providerMessageId: string;
  /** The business's own address (number, page, inbox): one side of the conversation key. */
  readonly businessAddress: string;
  /** The customer's address: the other side. */
  readonly customerAddress: string;
  readonly from: string;
  readonly to: string;
  readonly text: string;
  readonly media: readonly MediaItem[];
  /** When the provider says the message was sent, if it says (Twilio's inbound SMS does not). */
  readonly providerTimestamp?: string;
}

export type NormalizedEvent = NormalizedMessage;
