import type { Channel } from './message.ts';

/**
 * The customer service window: how long after a customer's last message a business may answer
 * freely. WhatsApp allows free-form messages for 24 hours and templates at any time
 * (https://developers.facebook.com/docs/whatsapp/cloud-api/guides/send-messages#customer-service-windows);
 * Messenger and Instagram allow 24 hours, and up to 7 days for a person answering with the
 * HUMAN_AGENT tag (https://developers.facebook.com/docs/messenger-platform/send-messages/message-tags).
 * SMS, MMS and email have none.
 */

const hour = 3600 * 1000;
const standardWindowMs = 24 * hour;
const humanAgentWindowMs = 7 * 24 * hour;

export interface ConversationWindow {
  /** Whether free-form text and media may be sent now. */
  readonly open: boolean;
  /** When the window closes (open) or closed (not open); absent for a channel without one, or no inbound message yet. */
  readonly closesAt?: string;
  /** Closed, and a template can still be sent (WhatsApp). */
  readonly templateRequired?: boolean;
  /** Open only for a person's answer, sent with Messenger's HUMAN_AGENT tag. */
  readonly humanAgentTag?: true;
}

const windowedChannels: ReadonlySet<Channel> = new Set(['whatsapp', 'messenger', 'instagram']);

export const hasWindow = (channel: Channel): boolean => windowedChannels.has(channel);

/** The window of a conversation on `channel` whose customer last wrote at `lastInboundAt` (ISO 8601), at `now`. */
export const windowOf = (channel: Channel, lastInboundAt: string | undefined, now: Date): ConversationWindow => {
  if (!hasWindow(channel)) return { open: true };
  const templateRequired = channel === 'whatsapp';
  const last = lastInboundAt === undefined ? Number.NaN : Date.parse(lastInboundAt);
  if (Number.isNaN(last)) return { open: false, templateRequired };
  const standardEnd = last + standardWindowMs;
  if (now.getTime() < standardEnd) return { open: true, closesAt: new Date(standardEnd).toISOString() };
  if (channel !== 'whatsapp') {
    const humanAgentEnd = last + humanAgentWindowMs;
    if (now.getTime() < humanAgentEnd) return { open: true, closesAt: new Date(humanAgentEnd).toISOString(), humanAgentTag: true };
    return { open: false, closesAt: new Date(humanAgentEnd).toISOString(), templateRequired };
  }
  return { open: false, closesAt: new Date(standardEnd).toISOString(), templateRequired };
};
