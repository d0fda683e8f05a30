import WebSocket from 'ws';
import { issueToken } from '../../functions/core/tokens.ts';
import type { Target } from './target.ts';

/** The URL a client connects to, with its token. */
export const socketUrl = (webSocketUrl: string, token: string): string => {
  const url = new URL(webSocketUrl);
  url.searchParams.set('token', token);
  return url.toString();
};

interface FrameLike {
  type?: string;
  data?: { conversationId?: string; id?: string; from?: string; to?: string; text?: string; lastMessagePreview?: string };
}

/** One readable line per frame, like `stripe listen`. */
export const describeFrame = (raw: string, at = new Date()): string => {
  let frame: unknown;
  try {
    frame = JSON.parse(raw);
  } catch {
    frame = undefined;
  }
  if (typeof frame !== 'object' || frame === null) return `${at.toISOString()}  ${raw}`;
  return describeFrameObject(frame as FrameLike, at);
};

const describeFrameObject = (frame: FrameLike, at: Date): string => {
  const data = frame.data ?? {};
  const detail =
    frame.type === 'conversation.updated'
      ? `${data.id ?? ''}  last: ${JSON.stringify(data.lastMessagePreview ?? '')}`
      : `${data.conversationId ?? ''}  ${data.from ?? ''} → ${data.to ?? ''}  ${JSON.stringify(data.text ?? '')}`;
  return `${at.toISOString()}  ${(frame.type ?? 'frame').padEnd(20)}  ${detail}`;
};

/**
 * Prints a tenant's live frames until interrupted, or until the connection closes; with
 * `conversationId`, only that conversation's, from the moment the server confirms the
 * subscription. Resolves with the close code.
 */
export const tail = async (
  target: Target,
  tenantId: string,
  { json, print, conversationId }: { json: boolean; print(line: string): void; conversationId?: string },
) => {
  // Long enough for a working day, within what the stack accepts.
  const token = await issueToken(tenantId, await target.jwtSecret(), Math.min(12 * 3600, target.tokenMaxLifetimeSeconds), target.tokenMaxLifetimeSeconds);
  const socket = new WebSocket(socketUrl(target.webSocketUrl, token));
  let subscribed = conversationId === undefined;
  const listening = () =>
    console.error(`Listening for ${conversationId ? `${conversationId} of ` : ''}${tenantId}'s events on ${target.webSocketUrl} (Ctrl-C to stop)`);
  return new Promise<number>((resolve, reject) => {
    socket.on('open', () => {
      if (conversationId === undefined) listening();
      else socket.send(JSON.stringify({ action: 'subscribe', conversationId }));
    });
    socket.on('message', (data) => {
      const raw = data.toString();
      if (subscribed) return print(json ? raw : describeFrame(raw));
      // Until the server confirms, frames of other conversations may still arrive: skip them.
      const reply = JSON.parse(raw) as { type?: string; message?: string };
      if (reply.type === 'subscribed') {
        subscribed = true;
        listening();
      } else if (reply.type === 'error') {
        reject(new Error(`subscription refused: ${reply.message ?? 'no reason given'}`));
        socket.close(1000);
      }
    });
    socket.on('unexpected-response', (_request, response) => reject(new Error(`connection refused: HTTP ${response.statusCode}`)));
    socket.on('error', reject);
    socket.on('close', (code) => resolve(code));
    process.once('SIGINT', () => socket.close(1000));
  });
};
