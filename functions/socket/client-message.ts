import * as z from 'zod/mini';

/** What a client may send (DESIGN §4); every other message is answered with an error frame. */
const clientMessageSchema = z.discriminatedUnion('action', [
  z.object({ action: z.literal('ping') }),
  z.object({
    action: z.literal('subscribe'),
    // Conversation ids are `conv_` and a digest (functions/core/ids.ts); the bound keeps junk out of the record.
    conversationId: z.optional(z.string().check(z.regex(/^conv_[A-Za-z0-9_-]{1,64}$/))),
  }),
]);

export type Reply =
  | { readonly type: 'pong' }
  | { readonly type: 'subscribed'; readonly conversationId?: string }
  | { readonly type: 'error'; readonly message: string };

export interface ClientMessageDependencies {
  /** False when the connection is not recorded (it closed meanwhile). */
  subscribe(connectionId: string, conversationId: string | undefined): Promise<boolean>;
}

const parseJson = (body: string): unknown => {
  try {
    return JSON.parse(body);
  } catch {
    return undefined;
  }
};

/**
 * The reply to one client message. A subscription is stored on the connection's own record,
 * which already names its tenant: frames are chosen by tenant first, so a conversation id of
 * another tenant is accepted and simply never matches.
 */
export const replyTo = async (connectionId: string, body: string, deps: ClientMessageDependencies): Promise<Reply> => {
  const parsed = clientMessageSchema.safeParse(parseJson(body));
  if (!parsed.success) {
    return { type: 'error', message: 'expected {"action":"ping"} or {"action":"subscribe","conversationId"?:"conv_…"}' };
  }
  const message = parsed.data;
  if (message.action === 'ping') return { type: 'pong' };
  if (!(await deps.subscribe(connectionId, message.conversationId))) return { type: 'error', message: 'this connection is closed' };
  return message.conversationId === undefined ? { type: 'subscribed' } : { type: 'subscribed', conversationId: message.conversationId };
};
