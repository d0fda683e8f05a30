import WebSocket from 'ws';

/** A WebSocket client that records every frame it receives. */
export interface RecordingSocket {
  readonly socket: WebSocket;
  readonly frames: Record<string, unknown>[];
  /** Resolves with the first recorded frame that matches, waiting up to `timeoutMs`. */
  waitFor(match: (frame: Record<string, unknown>) => boolean, timeoutMs?: number): Promise<Record<string, unknown>>;
  close(): Promise<void>;
}

/** Opens a socket, or rejects with the HTTP status the gateway refused it with. */
export const openSocket = (url: string): Promise<RecordingSocket> =>
  new Promise((resolve, reject) => {
    const socket = new WebSocket(url);
    const frames: Record<string, unknown>[] = [];
    const waiters: (() => void)[] = [];
    socket.on('message', (data) => {
      frames.push(JSON.parse(data.toString()) as Record<string, unknown>);
      for (const wake of waiters.splice(0)) wake();
    });
    socket.once('unexpected-response', (_request, response) => reject(new Error(`HTTP ${response.statusCode}`)));
    socket.once('error', reject);
    socket.once('open', () =>
      resolve({
        socket,
        frames,
        waitFor: (match, timeoutMs = 10_000) =>
          new Promise((found, fail) => {
            const timer = setTimeout(() => fail(new Error(`no matching frame within ${timeoutMs} ms; got ${JSON.stringify(frames)}`)), timeoutMs);
            const check = () => {
              const frame = frames.find(match);
              if (frame) {
                clearTimeout(timer);
                found(frame);
              } else waiters.push(check);
            };
            check();
          }),
        close: () =>
          new Promise((closed) => {
            if (socket.readyState === WebSocket.CLOSED) return closed();
            socket.once('close', () => closed());
            socket.close(1000);
          }),
      }),
    );
  });
