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

/** A request as the provider sent it to `url` (a file of events/<provider>/): what `resign` posts again. Header names lower-cased. */
export interface RecordedRequest extends SampleRequest {
  readonly url: string;
}

export interface ResignOptions {
  /** The endpoint's public URL. */
  readonly url: string;
  /** The endpoint's credential to sign with. */
  readonly secret: string;
  /** The signing time, for providers that sign a timestamp. */
  readonly now: Date;
}

/**
 * What verification decided. A refusal says why, never how to answer it: the request's
 * credentials do not hold (`signature`), or it was sent before (`replayed`: a provider whose
 * timestamp check is its replay protection says so, and its edge's `replayStatus` answers it).
 */
export type Verdict =
  | {
      readonly ok: true;
      /**
       * A value the provider sends once per request and never signs the body with (Mailgun's
       * token): the ack claims it, and a second request carrying it is refused as replayed.
       */
      readonly nonce?: { readonly key: string; readonly ttlSeconds: number };
    }
  | { readonly ok: false; readonly refusal: 'signature' | 'replayed'; readonly reason: string };

export const accepted: Verdict = Object.freeze({ ok: true });
export const refused = (reason: string, refusal: 'signature' | 'replayed' = 'signature'): Verdict => ({ ok: false, refusal, reason });

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
  /**
   * The status a replayed request is refused with, when the provider needs one of its own to
   * stop retrying (Mailgun retries anything but 406). Default 401.
   */
  readonly replayStatus?: number;
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
   * `loadProvider` keeps only http(s) URLs in what it returns (safe-urls.ts).
   */
  normalize(request: WebhookRequest): NormalizedEvent[];
  /** A realistic signed inbound text message, for `switchboard send` and tests. */
  sample(options: SampleOptions): SampleRequest;
  /**
   * The recorded request as the provider would send it to `url` now, authenticated with
   * `secret`: the same payload, with a fresh signature, timestamp and one-time token where the
   * provider has them. Throws, saying why, when `secret` cannot authenticate such a request.
   */
  resign(recorded: RecordedRequest, options: ResignOptions): RecordedRequest;
  /** What the contract suite holds this provider to. */
  readonly contract: ProviderContract;
}

/**
 * What test/contract/ needs to know of a provider that it cannot read off the interface: the
 * documented properties of its authentication, which the suite then checks against `verify`,
 * and credentials to sign its samples with. Here, and not in the edge, to keep the ack lean.
 */
export interface ProviderContract {
  /** The body is covered by the signature, so any change to it is refused. */
  readonly signsBody: boolean;
  /** A timestamp is signed, so a request signed long ago is refused. */
  readonly signsTime: boolean;
  /** Where a request carries its authentication: headers (a signature, basic auth, a bearer token), or fields of its body (Mailgun's). */
  readonly authenticationIn: 'headers' | 'body';
  /**
   * The status the ack refuses a replayed request with, when it refuses replays itself (a
   * one-time token, Mailgun's). Without it, a replay is queued again and stored once.
   */
  readonly refusesReplayWith?: number;
  /**
   * A credential of the shape the provider's endpoints hold, and another valid one that is not
   * theirs: what its samples sign with, and what `switchboard endpoint add --secret` takes.
   */
  readonly credentials: { readonly secret: string; readonly otherSecret: string };
}
