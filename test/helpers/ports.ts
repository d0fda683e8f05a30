import { createServer } from 'node:net';

/**
 * Ports the OS never hands out on its own: below Linux's ephemeral range (32768–60999 by
 * default), from which every `listen(0)` and every outgoing connection takes its port. A port
 * chosen there could be taken by one of those between this check and the test's own listen
 * (a stack's stand-ins and clients open many); one chosen here only by another test's choice.
 */
const firstPort = 20_000;
const lastPort = 32_767;

const isFree = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });

/** A port nothing listens on right now on 127.0.0.1, drawn at random below the ephemeral range. */
export const freePort = async (): Promise<number> => {
  for (let attempt = 0; attempt < 100; attempt++) {
    const port = firstPort + Math.floor(Math.random() * (lastPort - firstPort + 1));
    if (await isFree(port)) return port;
  }
  throw new Error(`no free port between ${firstPort} and ${lastPort} after 100 tries`);
};
