import * as z from 'zod/mini';
import { PermanentError } from '../../core/errors.ts';
import type { MediaItem, NormalizedMessage } from '../../core/message.ts';
import { decodeText } from '../email/charset.ts';
import { fieldNamed, formFingerprint, numberedFields, readForm, type FormField } from '../email/form.ts';
import { headerValue, parseHeaderBlock } from '../email/headers.ts';
import { inboundEmailMessage } from '../email/message.ts';
import { parseMime } from '../email/mime.ts';

/** Field name → charset of its bytes: SendGrid posts each field in the mail's own charset. */
const charsetsSchema = z.record(z.string(), z.string());
const envelopeSchema = z.object({
  to: z.optional(z.union([z.array(z.string()), z.string()])),
  from: z.optional(z.string()),
});
const attachmentInfoSchema = z.record(z.string(), z.object({ filename: z.optional(z.string()), type: z.optional(z.string()) }));

/** A JSON field parsed with its schema; a missing or malformed one reads as `fallback`, the rest of the mail still counts. */
const jsonField = <T>(fields: readonly FormField[], name: string, schema: z.ZodMiniType<T>, fallback: T): T => {
  const field = fieldNamed(fields, name);
  if (!field) return fallback;
  try {
    const parsed = schema.safeParse(JSON.parse(field.bytes.toString('utf8')));
    return parsed.success ? parsed.data : fallback;
  } catch {
    return fallback;
  }
};

const attachmentsOf = (fields: readonly FormField[]): MediaItem[] => {
  const info = jsonField(fields, 'attachment-info', attachmentInfoSchema, {});
  return numberedFields(fields, 'attachment').map((field) => {
    const filename = info[field.name]?.filename ?? field.filename;
    const contentType = info[field.name]?.type ?? field.contentType;
    return { sizeBytes: field.bytes.length, ...(filename !== undefined && { filename }), ...(contentType !== undefined && { contentType }) };
  });
};

/**
 * An Inbound Parse POST: the parsed fields (headers, text, html, attachmentN…) or, with "POST
 * the raw, full MIME message", the whole mail in `email`. Each field is decoded with the charset
 * `charsets` names for it, never assumed UTF-8.
 * https://www.twilio.com/docs/sendgrid/for-developers/parsing-email/inbound-email
 */
export const normalizeInboundParse = (body: Buffer, contentType: string | undefined): NormalizedMessage[] => {
  const fields = readForm(body, contentType);
  if (!fields) throw new PermanentError('an Inbound Parse POST must be multipart/form-data');
  const charsets = jsonField(fields, 'charsets', charsetsSchema, {});
  const text = (name: string): string | undefined => {
    const field = fieldNamed(fields, name);
    return field && decodeText(field.bytes, charsets[name]);
  };
  const envelope = jsonField(fields, 'envelope', envelopeSchema, {});
  const raw = fieldNamed(fields, 'email');
  const email = raw
    ? parseMime(raw.bytes)
    : { headers: parseHeaderBlock(text('headers') ?? ''), text: text('text'), html: text('html'), attachments: attachmentsOf(fields) };
  const subject = text('subject');
  return [
    inboundEmailMessage({
      headers: email.headers,
      recipients: [...[envelope.to ?? []].flat(), text('to'), headerValue(email.headers, 'to')],
      senders: [text('from'), headerValue(email.headers, 'from'), envelope.from],
      ...(subject !== undefined && { subject }),
      ...(email.text !== undefined && { text: email.text }),
      ...(email.html !== undefined && { html: email.html }),
      media: email.attachments,
      fingerprint: formFingerprint(fields),
    }),
  ];
};
