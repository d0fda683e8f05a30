import PostalMime from 'postal-mime';
import { MediaUnavailable, type DownloadedFile, type MediaSource } from '../core/media.ts';
import { fieldNamed, numberedFields, readForm } from '../providers/email/form.ts';

/**
 * An email's attachments are in the request the provider posted: as form fields of their own
 * (SendGrid's attachmentN, Mailgun's attachment-N) or inside the raw MIME mail (SendGrid's
 * `email`, Mailgun's `body-mime`), which postal-mime takes apart with each part's bytes decoded.
 */

interface Attachment {
  readonly filename?: string;
  readonly bytes: Buffer;
}

/** Where each provider's parsed form numbers its files, and names the raw mail when it posts that instead. */
const formOf: Readonly<Record<string, { readonly files: string; readonly raw: string }>> = {
  sendgrid: { files: 'attachment', raw: 'email' },
  mailgun: { files: 'attachment-', raw: 'body-mime' },
};

/** Every attachment of a mail request, with its bytes; none for a provider that posts no mail. */
export const attachmentsInRequest = async (provider: string, contentType: string | undefined, body: Buffer): Promise<Attachment[]> => {
  const form = formOf[provider];
  const fields = form && readForm(body, contentType);
  if (!form || !fields) return [];
  const raw = fieldNamed(fields, form.raw);
  if (!raw) return numberedFields(fields, form.files).map((field) => ({ ...(field.filename !== undefined && { filename: field.filename }), bytes: field.bytes }));
  const mail = await PostalMime.parse(raw.bytes, { attachmentEncoding: 'arraybuffer' });
  return mail.attachments.map((attachment) => ({
    ...(attachment.filename !== null && { filename: attachment.filename }),
    bytes: Buffer.from(attachment.content as ArrayBuffer),
  }));
};

/**
 * The attachment a stored file describes, among those not taken yet: the same size, and the
 * same name when one of that size has it. Parsers differ on the order of a mail's parts, never
 * on a part's decoded bytes. `taken` remembers what earlier files matched.
 */
export const matchingAttachment = (attachments: readonly Attachment[], source: Extract<MediaSource, { kind: 'attachment' }>, taken: Set<number>): DownloadedFile => {
  const sized = attachments.map((attachment, index) => ({ attachment, index })).filter(({ attachment, index }) => !taken.has(index) && attachment.bytes.length === source.sizeBytes);
  const found = sized.find(({ attachment }) => attachment.filename === source.filename) ?? sized[0];
  if (!found) throw new MediaUnavailable('missing', 'no attachment of its size is in the request as it was archived');
  taken.add(found.index);
  return { bytes: found.attachment.bytes };
};
