import type { IncomingMessage } from 'node:http';
import { controlAnswer, type Fault, type Faults } from './faults.ts';
import { serve, type Answer, type Callbacks } from './http.ts';
import type { MediaShelf } from './media-shelf.ts';

/** A running stand-in for a provider's send API, as a test or the local stack holds it. */
export interface ProviderStandIn<Message> {
  /** The base URL to configure the provider's client with (TWILIO_API_BASE_URL, GRAPH_API_BASE_URL). */
  readonly url: string;
  /** Every message created, in order. */
  readonly messages: readonly Message[];
  /** Every request to the provider's API received, answered or not (control requests are not counted). */
  readonly requests: number;
  /** Status callbacks posted and answered 2xx, and those that were not. */
  readonly callbacks: { readonly delivered: number; readonly failed: number };
  /** The customers' media files it serves, on a stand-in that serves media (Graph, Twilio). */
  readonly media?: MediaShelf;
  inject(fault: Fault): void;
  clearFaults(): void;
  stop(): Promise<void>;
}

/**
 * Serves a provider's API (`handle`) on 127.0.0.1 beside the control routes every stand-in has
 * (faults.ts controlAnswer), and hands back what a test needs of it. Stopping it cancels the
 * callbacks still to post and whatever `stopping` holds up (an answer made late on purpose).
 */
export const startProviderStandIn = async <Message>(parts: {
  readonly port: number;
  readonly handle: (request: IncomingMessage) => Promise<Answer>;
  readonly internalError: Answer;
  readonly messages: readonly Message[];
  readonly faults: Faults;
  readonly callbacks: Callbacks;
  readonly stopping: AbortController;
  readonly media?: MediaShelf;
}): Promise<ProviderStandIn<Message>> => {
  let requests = 0;
  const server = await serve(
    parts.port,
    async (request) => {
      const control = await controlAnswer(request, parts.faults, parts.messages, parts.media);
      if (control) return control;
      requests += 1;
      return parts.handle(request);
    },
    parts.internalError,
  );
  return {
    url: server.url,
    messages: parts.messages,
    ...(parts.media && { media: parts.media }),
    get requests() {
      return requests;
    },
    get callbacks() {
      return { delivered: parts.callbacks.delivered, failed: parts.callbacks.failed };
    },
    inject: (fault) => parts.faults.inject(fault),
    clearFaults: () => parts.faults.clear(),
    async stop() {
      parts.stopping.abort();
      parts.callbacks.cancel();
      await server.close();
    },
  };
};
