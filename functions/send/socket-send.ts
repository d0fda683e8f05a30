import { acceptSend, type AcceptDependencies } from '../core/accept.ts';
import { Refused } from '../core/errors.ts';

/**
 * The WebSocket's `{"action":"send", …}`: the same accept as the HTTP routes, for the tenant the
 * connection was admitted for. `idempotencyKey` is the Idempotency-Key; `conversationId` makes
 * it a reply, else `channel`, `endpointId` and `to` a first message. The answer goes back on the
 * connection as a `send.accepted` or `send.refused` frame carrying the same key.
 */
export const sendFromSocket = async (tenantId: string, body: string, requestId: string, deps: AcceptDependencies): Promise<Record<string, unknown>> => {
  let message: Record<string, unknown>;
  try {
    const parsed = JSON.parse(body) as unknown;
    message = typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : {};
  } catch {
    message = {};
  }
  const { action: _action, idempotencyKey, conversationId, wait, ...rest } = message;
  const key = typeof idempotencyKey === 'string' ? idempotencyKey : undefined;
  try {
    const answer = await acceptSend(
      {
        tenantId,
        target: typeof conversationId === 'string' ? { conversationId } : { firstMessage: true },
        idempotencyKey: key,
        body: rest,
        ...(typeof wait === 'number' && { waitSeconds: wait }),
        requestId,
      },
      deps,
    );
    return { type: 'send.accepted', idempotencyKey: key, ...answer.body };
  } catch (error) {
    if (error instanceof Refused) return { type: 'send.refused', idempotencyKey: key, reason: error.reason, error: error.message, ...error.details };
    throw error;
  }
};
