import { connect, type Socket } from 'node:net';

const connectTo = (url: string): Promise<Socket> =>
  new Promise((resolve, reject) => {
    const { hostname, port } = new URL(url);
    const socket = connect({ host: hostname, port: Number(port) }, () => resolve(socket));
    socket.once('error', reject);
  });

/** Sends `request` as is over a new connection and resolves with all the server answered, once it closes. */
export const rawExchange = async (url: string, request: string): Promise<string> => {
  const socket = await connectTo(url);
  let answer = '';
  socket.on('data', (chunk: Buffer) => (answer += chunk.toString()));
  socket.write(request);
  await new Promise((closed) => socket.once('close', closed));
  return answer;
};

/**
 * A client that never finishes its request: sends `head`, then one more byte every
 * `intervalMs`, for ever. Resolves with how long the server held the connection open before
 * closing it, or with Infinity when it still was after `giveUpMs` (then it is closed here).
 */
export const dribble = async (url: string, { head, intervalMs = 200, giveUpMs }: { head: string; intervalMs?: number; giveUpMs: number }): Promise<number> => {
  const socket = await connectTo(url);
  socket.on('error', () => undefined);
  socket.resume();
  const openedAt = Date.now();
  socket.write(head);
  const drip = setInterval(() => socket.write('x'), intervalMs);
  const closed = new Promise<number>((resolve) => socket.once('close', () => resolve(Date.now() - openedAt)));
  const timer = new Promise<number>((resolve) => setTimeout(resolve, giveUpMs, Number.POSITIVE_INFINITY));
  const heldFor = await Promise.race([closed, timer]);
  clearInterval(drip);
  socket.destroy();
  return heldFor;
};
