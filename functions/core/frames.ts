import { entityKinds, publicView } from './items.ts';

export type FrameType = 'message.created' | 'message.updated' | 'conversation.updated';

/** What a connected client receives (DESIGN §4). */
export interface Frame {
  readonly type: FrameType;
  readonly tenantId: string;
  readonly data: Record<string, unknown>;
  /**
   * The frame's place in its tenant's feed (functions/core/feed.ts): a sequence number in
   * decimal, one more than the tenant's previous frame. The same cursor resumes GET /events.
   */
  readonly cursor: string;
}

/** A frame before the broadcaster gives it its place in the feed. */
export type UnplacedFrame = Omit<Frame, 'cursor'>;

/** A change to one item of the messages table, as the stream reports it. */
export interface ItemChange {
  readonly eventName: 'INSERT' | 'MODIFY' | 'REMOVE';
  readonly newImage?: Record<string, unknown>;
}

const frameTypeOf = (change: ItemChange, entity: unknown): FrameType | undefined => {
  if (entity === entityKinds.message) return change.eventName === 'INSERT' ? 'message.created' : 'message.updated';
  if (entity === entityKinds.conversation) return 'conversation.updated';
  return undefined;
};

/**
 * The frame a stored change produces, if clients see it. Each stream record stands alone:
 * records of one transaction reach the stream separately and may interleave with others.
 */
export const frameFor = (change: ItemChange): UnplacedFrame | undefined => {
  const item = change.newImage;
  if (change.eventName === 'REMOVE' || !item) return undefined;
  const type = frameTypeOf(change, item.entity);
  if (!type || typeof item.tenantId !== 'string') return undefined;
  return { type, tenantId: item.tenantId, data: publicView(item) };
};

/** API Gateway refuses WebSocket frames over 32 KB; keep a margin for the envelope. */
export const maxFrameBytes = 32_000;

/**
 * The frame as sent. One too large for a WebSocket frame goes out as a reference the client
 * fetches through the query API.
 */
export const serializeFrame = (frame: Frame): string => {
  const whole = JSON.stringify(frame);
  if (Buffer.byteLength(whole) <= maxFrameBytes) return whole;
  const { id, conversationId } = frame.data;
  return JSON.stringify({ ...frame, data: { id, conversationId, truncated: true } });
};
