import type { EmailParts } from './email-reply.ts';
import type { Channel, DeliveryStatus } from './message.ts';

/**
 * Sending, provider-neutral: what an agent asks to send, what a provider's send client is
 * handed, and what it reports back. A provider's send client (providers/<name>/send.ts) turns a
 * `SendRequest` into one API call and classifies the answer into a `SendOutcome`; the sender
 * (core/send.ts) decides what happens next from the outcome alone.
 */

/** A file to attach, by a public http(s) URL the provider fetches. */
export interface OutboundMedia {
  readonly url: string;
  readonly contentType: string;
}

/** A WhatsApp template: the only content a business may send outside the 24-hour window. */
export interface OutboundTemplate {
  /** The template's name (WhatsApp Cloud API), or its Content SID `HX…` (Twilio). */
  readonly name: string;
  /** BCP 47 language code as approved, e.g. `en_US`. */
  readonly language: string;
  /** The body's `{{1}}`, `{{2}}`… values, in order. */
  readonly parameters: readonly string[];
}

/**
 * A file attached by value: what an email carries, read by the sender from the file the agent
 * uploaded (or fetched for it), since a mail provider takes the bytes, not a link.
 */
export interface OutboundAttachment {
  readonly filename: string;
  readonly contentType: string;
  readonly content: Buffer;
}

/** What an agent sends: text, media (with an optional caption in `text`), or a template. */
export interface OutboundContent {
  readonly text?: string;
  readonly media?: readonly OutboundMedia[];
  /** Email only: the media as files, in the order of `media`. */
  readonly attachments?: readonly OutboundAttachment[];
  readonly template?: OutboundTemplate;
}

/** A provider's send credentials, per endpoint; stored encrypted (adapters/credential-box.ts), never logged or returned. */
export type SendCredentials =
  | { readonly provider: 'twilio'; readonly accountSid: string; readonly authToken: string }
  | { readonly provider: 'twilio'; readonly accountSid: string; readonly apiKeySid: string; readonly apiKeySecret: string }
  | { readonly provider: 'meta'; readonly accessToken: string }
  | { readonly provider: 'sendgrid'; readonly apiKey: string }
  | { readonly provider: 'mailgun'; readonly apiKey: string; readonly domain: string }
  /** SMS Gateway for Android's API (its cloud server, or `apiUrl` for a private one), with the username and password the app shows. */
  | { readonly provider: 'sms'; readonly gateway: 'android'; readonly username: string; readonly password: string; readonly apiUrl?: string }
  /** Any gateway that takes `message.send` as a Standard Webhooks POST at `url`, signed with `signingSecret` (whsec_…). */
  | { readonly provider: 'sms'; readonly gateway: 'webhook'; readonly url: string; readonly signingSecret: string };

/** One call to a provider's send API, with everything it needs. */
export interface SendRequest {
  /** Our message id: carried in the request so the provider's status webhooks name it back. */
  readonly messageId: string;
  readonly channel: Channel;
  /** The business's address: a number (`+1…`), a WhatsApp phone_number_id, a page id, an Instagram account id. */
  readonly from: string;
  /** The customer's address: a number, a WhatsApp id, a PSID or IGSID. */
  readonly to: string;
  readonly content: OutboundContent;
  /** Where the provider should post this message's status callbacks (Twilio's StatusCallback), naming our id. */
  readonly statusCallbackUrl: string;
  /** Messenger/Instagram outside 24 hours: sent with the HUMAN_AGENT tag, allowed up to 7 days. */
  readonly humanAgentTag?: true;
  /** Email only: the subject, the HTML part, and the threading of a reply (core/email-reply.ts). */
  readonly email?: EmailParts;
}

export type FailureCategory = 'throttled' | 'temporary' | 'permanent' | 'credentials' | 'window' | 'opted-out';

/** The provider's own words for a failure: its code and text. */
export interface ProviderError {
  readonly code: string;
  readonly message: string;
}

/**
 * What one send call came to.
 * - accepted: the provider took it and named it.
 * - throttled: refused for rate (HTTP 429, Twilio 20429, Meta 130429/80007/131056…); not an attempt.
 * - temporary: refused before it was taken (connection refused, 503 with Retry-After): safe to send again.
 * - unknown: it may have been taken (a timeout, a 5xx after the request went out): never resent blindly.
 * - failed: the provider will never take it as it is.
 */
export type SendOutcome =
  | { readonly kind: 'accepted'; readonly providerMessageId: string }
  | ({ readonly kind: 'throttled' | 'temporary'; readonly retryAfterSeconds?: number } & ProviderError)
  | ({ readonly kind: 'unknown' } & ProviderError)
  | ({ readonly kind: 'failed'; readonly category: Exclude<FailureCategory, 'throttled' | 'temporary'>; readonly hint: string } & ProviderError);

/** What asking the provider about a message whose outcome is unknown found. */
export type LookupResult = { readonly found: true; readonly providerMessageId: string } | { readonly found: false } | { readonly found: 'unknown' };

/** A send rate: `perSecond` units a second, a message costing `costOf` units (Twilio counts SMS segments). */
export interface SendRate {
  readonly perSecond: number;
}

/** One provider's sending: its API client and the rate its documentation sets for a sender. */
export interface ProviderSender {
  send(request: SendRequest, credentials: SendCredentials, signal: AbortSignal): Promise<SendOutcome>;
  /** Asks the provider whether it took the message, when its API can tell (Twilio's Message resource); absent otherwise. */
  lookup?(request: SendRequest, credentials: SendCredentials, since: Date, signal: AbortSignal): Promise<LookupResult>;
  /**
   * Where the provider says a message it took now is (Twilio's Message resource): what the
   * reconciler asks of a message sent long ago that no callback followed. Absent where the API
   * cannot tell; undefined when it did not answer.
   */
  status?(providerMessageId: string, credentials: SendCredentials, signal: AbortSignal): Promise<{ readonly status: DeliveryStatus; readonly providerStatus: string; readonly error?: ProviderError } | undefined>;
  /** The documented default rate of a sender (a long code, a toll-free number, a short code, a page…). */
  defaultRate(channel: Channel, from: string): SendRate;
  /** The units one message costs against that rate: SMS segments for Twilio SMS, else 1. */
  costOf(request: Pick<SendRequest, 'channel' | 'content'>): number;
}
