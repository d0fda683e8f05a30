import * as z from 'zod/mini';

/**
 * The parts of Messenger and Instagram messaging webhooks we read: both share the grammar of
 * `entry[].messaging[]`.
 * https://developers.facebook.com/docs/messenger-platform/reference/webhook-events
 * https://developers.facebook.com/docs/instagram-platform/webhooks/examples
 */

const optionalText = z.optional(z.string());
const id = z.string().check(z.minLength(1));
// Meta writes app and sticker ids as numbers, but they are ids, not quantities.
const numericId = z.optional(z.union([z.number(), z.string()]));

const attachmentSchema = z.object({
  type: z.string(),
  // Messenger's legacy fallback attachment (a shared link) carries its title and URL here.
  title: optionalText,
  url: optionalText,
  payload: z.optional(
    z.nullable(
      z.looseObject({
        url: optionalText,
        title: optionalText,
        sticker_id: numericId,
        coordinates: z.optional(z.object({ lat: z.number(), long: z.number() })),
      }),
    ),
  ),
});

export const messagingMessageSchema = z.object({
  mid: id,
  text: optionalText,
  attachments: z.optional(z.array(attachmentSchema)),
  quick_reply: z.optional(z.object({ payload: z.string() })),
  reply_to: z.optional(z.object({ mid: optionalText, story: z.optional(z.object({ id: z.string(), url: optionalText })) })),
  sticker_id: numericId,
  is_echo: z.optional(z.boolean()),
  is_deleted: z.optional(z.boolean()),
  is_unsupported: z.optional(z.boolean()),
  app_id: numericId,
  metadata: optionalText,
  referral: z.optional(z.unknown()),
});

const party = z.object({ id: optionalText, user_ref: optionalText });

/** One event; loose, so that one we do not model keeps its content for the notice it becomes. */
export const messagingEventSchema = z.looseObject({
  sender: z.optional(party),
  recipient: z.optional(party),
  timestamp: z.number(),
  message: z.optional(messagingMessageSchema),
  postback: z.optional(z.object({ mid: optionalText, title: optionalText, payload: optionalText, referral: z.optional(z.unknown()) })),
  reaction: z.optional(z.object({ mid: id, action: z.string(), reaction: optionalText, emoji: optionalText })),
  delivery: z.optional(z.object({ mids: z.optional(z.array(z.string())), watermark: z.number() })),
  read: z.optional(z.object({ watermark: z.optional(z.number()), mid: optionalText })),
  message_edit: z.optional(z.object({ mid: id, text: optionalText, num_edit: z.optional(z.number()) })),
});

export const messagingEntrySchema = z.object({
  id,
  messaging: z.optional(z.array(messagingEventSchema)),
  // What a secondary receiver gets under the handover protocol while another app owns the thread.
  standby: z.optional(z.array(messagingEventSchema)),
  // Page feed and Instagram comment webhooks share the object but not the grammar.
  changes: z.optional(z.array(z.object({ field: z.string(), value: z.unknown() }))),
});

export type MessagingEvent = z.output<typeof messagingEventSchema>;
export type MessagingMessage = z.output<typeof messagingMessageSchema>;
export type MessagingAttachment = z.output<typeof attachmentSchema>;
