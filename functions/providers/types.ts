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
}

/** A request as the provider would send it: body and headers, signed. */
export interface SampleRequest {
  readonly body: string;
  readonly headers: Readonly<Record<string, string>>;
}

/**
 * One messaging provider. The ack path uses `verify` and `acknowledgement`; the processor
 * uses `normalize`. Everything provider-specific lives behind this port, in one folder.
 */
export interface Provider {
  readonly name: string;
  /** Headers to carry in the queued envelope, lower-cased: what `normalize` and a replay need. */
  readonly keptHeaders: readonly string[];
  /** True when any of the endpoint's secrets authenticates the request. Constant time. */
  verify(request: WebhookRequest, endpoint: Endpoint): boolean;
  /** The 2xx the provider expects once the request is safely queued. */
  readonly acknowledgement: AckResponse;
  /**
   * Turns a verified request into provider-neutral events. Throws PermanentError for a
   * payload it cannot understand, which quarantines it.
   */
  normalize(request: WebhookRequest): NormalizedEvent[];
  /** A realistic signed inbound message, for `switchboard send` and tests. */
  sample(options: SampleOptions): SampleRequest;
}
