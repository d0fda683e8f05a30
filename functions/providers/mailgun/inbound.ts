import * as z from 'zod/mini';
import { PermanentError } from '../../core/errors.ts';
import type { MediaItem, NormalizedMessage } from '../../core/message.ts';
import { fieldNamed, formFingerprint, numberedFields, readForm, type FormField } from '../email/form.ts';
import { headerValue, type HeaderList } from '../email/headers.ts';
import { inboundEmailMessage } from '../email/message.ts';
import { parseMime } from '../email/mime.ts';

/** Mailgun signs every delivery attempt afresh: these fields differ between retries of one mail. */
const perAttemptFields = new Set(['timestamp', 'token', 'signature']);

const messageHeadersSchema = z.array(z.tuple([z.string(), z.string()]));

/**
 * The mail's headers: `message-headers` is every header as a JSON list of [name, value], in
 * order. Without it, the headers Mailgun also posts as fields of their own still say enough.
 */
const headersOf = (value: (name: string) => string | undefined): HeaderList => {
  try {
    const parsed = messageHeadersSchema.safeParse(JSON.parse(value('message-headers') ?? ''));
    if (parsed.success) return parsed.data.map(([name, headerValue]) => [name.toLowerCase(), headerValue] as const);
  } catch {
    // Fall back to the separate header fields.
  }
  return ['Message-Id', 'Date', 'In-Reply-To', 'References', 'From', 'To'].flatMap((name) => {
    const fieldValue = value(name);
    return fieldValue === undefined ? [] : [[name.toLowerCase(), fieldValue] as const];
  });
};

const attachmentsOf = (fields: readonly FormField[]): MediaItem[] =>
  numberedFields(fields, 'attachment-').map((field) => ({
    sizeBytes: field.bytes.length,
    ...(field.filename !== undefined && { filename: field.filename }),
    ...(field.contentType !== undefined && { contentType: field.contentType }),
  }));

/**
 * A route's forward() POST: "fully parsed" (urlencoded, or multipart with attachment-N files;
 * Mailgun has already transcoded every field to UTF-8) or raw MIME in `body-mime` when the
 * URL ends in `mime`. The text is `stripped-text`, the reply without its quoted history,
 * when Mailgun found one.
 * https://documentation.mailgun.com/docs/mailgun/user-manual/receive-forward-store/receive-http
 */
export const normalizeInboundRoute = (body: Buffer, contentType: string | undefined): NormalizedMessage[] => {
  const fields = readForm(body, contentType);
  if (!fields) throw new PermanentError('a Mailgun route POST must be a form (urlencoded or multipart)');
  const value = (name: string): string | undefined => fieldNamed(fields, name)?.bytes.toString('utf8');
  const raw = fieldNamed(fields, 'body-mime');
  const strippedText = value('stripped-text');
  const email = raw
    ? parseMime(raw.bytes)
    : {
        headers: headersOf(value),
        text: strippedText?.trim() ? strippedText : value('body-plain'),
        html: value('body-html'),
        attachments: attachmentsOf(fields),
      };
  const subject = value('subject');
  return [
    inboundEmailMessage({
      headers: email.headers,
      recipients: [value('recipient'), headerValue(email.headers, 'to')],
      senders: [value('from'), headerValue(email.headers, 'from'), value('sender')],
      ...(subject !== undefined && { subject }),
      ...(email.text !== undefined && { text: email.text }),
      ...(email.html !== undefined && { html: email.html }),
      media: email.attachments,
      fingerprint: formFingerprint(fields, perAttemptFields),
    }),
  ];
};
