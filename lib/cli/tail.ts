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
 * Prints a tenant's live frames until interrupted, or until the connection closes.
 * Resolves with the close code.
 */
export const tail = async (target: Target, tenantId: string, { json, print }: { json: boolean; print(line: string): void }) => {
  const token = await issueToken(tenantId, await target.jwtSecret(), 12 * 3600);
  const socket = new WebSocket(socketUrl(target.webSocketUrl, token));
  return new Promise<number>((resolve, reject) => {
    socket.on('open', () => console.error(`Listening for ${tenantId}'s events on ${target.webSocketUrl} (Ctrl-C to stop)`));
    socket.on('message', (data) => print(json ? data.toString() : describeFrame(data.toString())));
    socket.on('unexpected-response', (_request, response) => reject(new Error(`connection refused: HTTP ${response.statusCode}`)));
    socket.on('error', reject);
    socket.on('close', (code) => resolve(code));
    process.once('SIGINT', () => socket.close(1000));
  });
};
