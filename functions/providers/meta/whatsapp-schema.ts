import * as z from 'zod/mini';

/**
 * The parts of WhatsApp Cloud API webhooks we read. Fields are optional wherever Meta omits
 * them in some variant, so that only a payload of the wrong shape is refused.
 * https://developers.facebook.com/documentation/business-messaging/whatsapp/webhooks/reference/messages
 */

const optionalText = z.optional(z.string());
const id = z.string().check(z.minLength(1));

const mediaSchema = z.object({
  id: optionalText,
  mime_type: optionalText,
  sha256: optionalText,
  caption: optionalText,
  filename: optionalText,
});

const errorSchema = z.looseObject({
  code: z.optional(z.union([z.number(), z.string()])),
  title: optionalText,
  message: optionalText,
});

/** What a message says, apart from who sent it: also the shape of an edited message's new content. */
export const whatsappContentSchema = z.object({
  type: optionalText,
  text: z.optional(z.object({ body: z.string() })),
  image: z.optional(mediaSchema),
  video: z.optional(mediaSchema),
  audio: z.optional(mediaSchema),
  document: z.optional(mediaSchema),
  sticker: z.optional(mediaSchema),
  location: z.optional(
    z.object({ latitude: z.number(), longitude: z.number(), name: optionalText, address: optionalText, url: optionalText }),
  ),
  contacts: z.optional(
    z.array(
      z.looseObject({
        name: z.optional(z.looseObject({ formatted_name: optionalText })),
        phones: z.optional(z.array(z.looseObject({ phone: optionalText }))),
      }),
    ),
  ),
  interactive: z.optional(
    z.object({
      type: z.string(),
      button_reply: z.optional(z.object({ id: z.string(), title: z.string() })),
      list_reply: z.optional(z.object({ id: z.string(), title: z.string(), description: optionalText })),
      nfm_reply: z.optional(z.object({ name: optionalText, body: optionalText, response_json: optionalText })),
    }),
  ),
  button: z.optional(z.object({ text: z.string(), payload: optionalText })),
  order: z.optional(z.looseObject({ text: optionalText, product_items: z.optional(z.array(z.unknown())) })),
  errors: z.optional(z.array(errorSchema)),
});

export const whatsappMessageSchema = z.extend(whatsappContentSchema, {
  id,
  type: z.string(),
  /** The customer's number on inbound messages; the business's on echoes. */
  from: optionalText,
  /** The business-scoped user id, for customers who hide their number behind a username. */
  from_user_id: optionalText,
  /** Echoes only: the customer. */
  to: optionalText,
  timestamp: optionalText,
  context: z.optional(z.looseObject({ id: optionalText, referred_product: z.optional(z.unknown()) })),
  referral: z.optional(z.unknown()),
  reaction: z.optional(z.object({ message_id: z.string(), emoji: optionalText })),
  system: z.optional(z.unknown()),
  revoke: z.optional(z.object({ original_message_id: z.string() })),
  edit: z.optional(z.object({ original_message_id: z.string(), message: z.optional(whatsappContentSchema) })),
});

export const whatsappStatusSchema = z.object({
  id,
  status: z.string(),
  timestamp: optionalText,
  recipient_id: optionalText,
  recipient_user_id: optionalText,
  /** What the business sent with the message (Switchboard: our message id), named back in each of its statuses. */
  biz_opaque_callback_data: optionalText,
  errors: z.optional(z.array(errorSchema)),
});

/** The value of a `messages` or `smb_message_echoes` change: everything about one business number. */
export const whatsappValueSchema = z.object({
  metadata: z.object({ display_phone_number: z.string(), phone_number_id: id }),
  messages: z.optional(z.array(whatsappMessageSchema)),
  message_echoes: z.optional(z.array(whatsappMessageSchema)),
  statuses: z.optional(z.array(whatsappStatusSchema)),
  errors: z.optional(z.array(errorSchema)),
});

export const whatsappEntrySchema = z.object({
  id: z.string(),
  changes: z.array(z.object({ field: z.string(), value: z.unknown() })),
});

export type WhatsappContent = z.output<typeof whatsappContentSchema>;
export type WhatsappMessage = z.output<typeof whatsappMessageSchema>;
export type WhatsappStatus = z.output<typeof whatsappStatusSchema>;
export type WhatsappError = z.output<typeof errorSchema>;
