import type { Endpoint } from '../core/endpoint.ts';
import type { NormalizedEvent } from '../core/message.ts';

/** An inbound webhook as the provider sent it, before anything is trusted. */
export interface WebhookRequest {
  /** The public URL the provider called, including any query string: what URL-signing providers sign. */
  readonly url: string;
  /** Header names lower-cased. */
  readonly headers: Readonly<Record<string, string>>;
  /** The exact bytes received. Never re-serialize: signatures cover these. */
  readonly body: Buffer;
}

export interface AckResponse {
  readonly statusCode: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

export interface SampleOptions {
  /** The endpoint's public URL. */
  readonly url: string;
  /** The endpoint's credential to sign with. */
  readonly secret: string;
  readonly text: string;
  readonly from?: string;
  readonly to?: string;
  /** The signing time, for providers that sign a timestamp. */
  readonly now?: Date;
}

/** A request as the provider would send it: body and headers, signed. */
export interface SampleRequest {
  readonly body: string;
  readonly headers: Readonly<Record<string, string>>;
}

/**
 * What verification decided. A refusal names its status: most providers take 401; Mailgun
 * retries anything but 406, so a replayed Mailgun request is refused with 406.
 */
export type Verdict =
  | {
      readonly ok: true;
      /**
       * A value the provider sends once per request and never signs the body with (Mailgun's
       * token): the ack claims it, and a second request carrying it is refused.
       */
      readonly nonce?: { readonly key: string; readonly ttlSeconds: number; readonly refuseWith: number };
    }
  | { readonly ok: false; readonly statusCode: number; readonly reason: string };

export const accepted: Verdict = Object.freeze({ ok: true });
export const refused = (reason: string, statusCode = 401): Verdict => ({ ok: false, statusCode, reason });

/**
 * What the ack path needs of a provider: authenticate and answer. Kept apart from `Provider`
 * so the ack bundle, whose size is its cold start, carries no payload parser.
 */
export interface ProviderEdge {
  readonly name: string;
  /**
   * Where the provider's message and event ids are unique: across all its traffic (Twilio
   * SIDs, WhatsApp wamids), or only within one endpoint's sender (a gateway's guid, a
   * Standard Webhooks sender's ids), where another tenant's "42" is another message.
   * Default: 'provider'.
   */
  readonly idsUniqueWithin?: 'provider' | 'endpoint';
  /** Headers to carry in the queued envelope, lower-cased: what `normalize` and a replay need. */
  readonly keptHeaders: readonly string[];
  /**
   * Authenticates the request over its exact bytes with any of the endpoint's secrets (two
   * may be valid during a rotation), comparing in constant time. `now` bounds timestamp
   * windows. Never parses more of the body than the signature needs.
   */
  verify(request: WebhookRequest, endpoint: Endpoint, now: Date): Verdict;
  /** The 2xx the provider expects once the request is safely queued. */
  acknowledge(request: WebhookRequest): AckResponse;
  /** Answers a GET on the webhook URL (Meta's subscription handshake). Without it, GET is 404. */
  handshake?(request: WebhookRequest, endpoint: Endpoint): AckResponse;
  /** The URL to paste into the provider's console, when it differs from the webhook URL (Twilio's connection overrides). */
  consoleUrl?(webhookUrl: string): string;
  /**
   * Why a secret cannot be one of this provider's endpoints' (one that would verify nothing, or
   * one short enough to guess), or undefined when it can. Without it, any non-empty secret is
   * taken: the keys a provider issues itself (Twilio Auth Tokens, Meta app secrets).
   */
  secretRefusal?(secret: string): string | undefined;
}

/**
 * One messaging provider: its edge (edge.ts), plus what the processor and the CLI use.
 * Everything provider-specific lives behind this port, in one folder, registered in
 * registry.ts.
 */
export interface Provider extends ProviderEdge {
  /**
   * Turns a verified request into provider-neutral events, every one it carries. Throws
   * PermanentError for a payload it cannot understand, which quarantines it. The registry's
   * `findProvider` keeps only http(s) URLs in what it returns (safe-urls.ts).
   */
  normalize(request: WebhookRequest): NormalizedEvent[];
  /** A realistic signed inbound text message, for `switchboard send` and tests. */
  sample(options: SampleOptions): SampleRequest;
}
