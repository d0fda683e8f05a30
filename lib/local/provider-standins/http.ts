import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';

/** What a stand-in answers: a status, headers and a body (JSON, or a file's bytes as a Buffer or a stream), never a stack trace. */
export interface Answer {
  readonly status: number;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body: unknown;
}

export const json = (status: number, body: unknown, headers: Readonly<Record<string, string>> = {}): Answer => ({ status, body, headers });

// The providers' own limits are larger; a stand-in only needs to refuse what no real send is.
const maxBodyBytes = 1024 * 1024;

/** The request's body, or undefined when it is larger than any send request. */
export const readBody = async (request: IncomingMessage): Promise<string | undefined> => {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > maxBodyBytes) return undefined;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
};

export const sleep = (ms: number, signal?: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    });
  });

export interface ListeningServer {
  /** `http://127.0.0.1:<port>`: the base URL a send client is configured with. */
  readonly url: string;
  close(): Promise<void>;
}

/**
 * Serves `handle` on 127.0.0.1 only. Anything `handle` throws becomes `internalError`, the
 * provider's own 500, so that nothing of ours leaks into an answer.
 */
export const serve = async (
  port: number,
  handle: (request: IncomingMessage) => Promise<Answer>,
  internalError: Answer,
): Promise<ListeningServer> => {
  const write = (response: ServerResponse, answer: Answer): void => {
    if (response.headersSent || response.destroyed) return;
    // A file (a media download) goes out as its bytes, a stream without being held; anything else as JSON.
    if (answer.body instanceof Readable) {
      response.writeHead(answer.status, answer.headers);
      answer.body.on('error', () => response.destroy()).pipe(response);
      response.on('close', () => (answer.body as Readable).destroy());
      return;
    }
    if (Buffer.isBuffer(answer.body)) {
      response.writeHead(answer.status, answer.headers).end(answer.body);
      return;
    }
    response.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers });
    response.end(JSON.stringify(answer.body));
  };
  const server: Server = createServer((request, response) => {
    handle(request).then(
      (answer) => write(response, answer),
      () => write(response, internalError),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const { port: bound } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${bound}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
};

/** A signed webhook to post. */
export interface OutgoingWebhook {
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

/**
 * Webhooks a stand-in posts after answering, each at its time, all cancelled by `cancel()`.
 * A receiver that fails is counted, not retried: the tests that need retries are the providers'.
 */
export class Callbacks {
  readonly #timers = new Set<NodeJS.Timeout>();
  readonly #stopping = new AbortController();
  /** Callbacks posted and answered 2xx. */
  delivered = 0;
  /** Callbacks whose receiver was unreachable or answered otherwise. */
  failed = 0;

  /** Posts what `build` gives, `delayMs` from now; nothing when it gives undefined. */
  schedule(delayMs: number, build: () => Promise<OutgoingWebhook | undefined>): void {
    if (this.#stopping.signal.aborted) return;
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      void this.#post(build);
    }, delayMs);
    this.#timers.add(timer);
  }

  async #post(build: () => Promise<OutgoingWebhook | undefined>): Promise<void> {
    try {
      const webhook = await build();
      if (!webhook || this.#stopping.signal.aborted) return;
      const response = await fetch(webhook.url, { method: 'POST', headers: webhook.headers, body: webhook.body, signal: this.#stopping.signal });
      await response.arrayBuffer();
      if (response.ok) this.delivered += 1;
      else this.failed += 1;
    } catch {
      if (!this.#stopping.signal.aborted) this.failed += 1;
    }
  }

  cancel(): void {
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
    this.#stopping.abort();
  }
}
