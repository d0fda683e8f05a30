import { describe, expect, it } from 'vitest';
import { sourceOf } from '../../../functions/core/media.ts';
import { attachmentsInRequest, matchingAttachment } from '../../../functions/media/email-attachments.ts';
import { encodeFormData, type FormField } from '../../../functions/providers/email/form.ts';
import { normalizeInboundRoute } from '../../../functions/providers/mailgun/inbound.ts';
import { normalizeInboundParse } from '../../../functions/providers/sendgrid/inbound-parse.ts';

/** An email's attachments found again in the request it came in: the bytes of the very files its stored message describes. */

const boundary = 'xYzZY';
const contentType = `multipart/form-data; boundary=${boundary}`;
const pdf = Buffer.from('%PDF-1.7 an invoice');
const png = Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex');
const text = (name: string, value: string): FormField => ({ name, bytes: Buffer.from(value) });
const file = (name: string, filename: string, type: string, bytes: Buffer): FormField => ({ name, filename, contentType: type, bytes });

/** Each stored file's bytes, as the media function finds them. */
const keptBytes = async (provider: string, body: Buffer, media: readonly { filename?: string; sizeBytes?: number }[]) => {
  const attachments = await attachmentsInRequest(provider, contentType, body);
  const taken = new Set<number>();
  return media.map((item) => {
    const source = sourceOf(provider, item);
    if (source?.kind !== 'attachment') throw new Error('not an attachment');
    return matchingAttachment(attachments, source, taken).bytes;
  });
};

describe('email attachments from the request', () => {
  it('finds SendGrid’s parsed attachments as the message describes them', async () => {
    const body = encodeFormData(
      [
        text('from', 'a@example.net'),
        text('to', 'b@example.com'),
        text('text', 'see attached'),
        text('headers', 'Subject: x\n'),
        file('attachment1', 'invoice.pdf', 'application/pdf', pdf),
        file('attachment2', 'pixel.png', 'image/png', png),
        text('attachments', '2'),
      ],
      boundary,
    );
    const [message] = normalizeInboundParse(body, contentType);

    expect(message?.media).toHaveLength(2);
    expect(await keptBytes('sendgrid', body, message?.media ?? [])).toEqual([pdf, png]);
  });

  it('finds the attachments of a raw MIME mail (Mailgun’s body-mime) by their decoded bytes', async () => {
    const mime = [
      'From: a@example.net',
      'To: b@example.com',
      'Subject: receipts',
      'MIME-Version: 1.0',
      'Content-Type: multipart/mixed; boundary="b1"',
      '',
      '--b1',
      'Content-Type: text/plain; charset=utf-8',
      '',
      'two files',
      '--b1',
      'Content-Type: application/pdf; name="invoice.pdf"',
      'Content-Disposition: attachment; filename="invoice.pdf"',
      'Content-Transfer-Encoding: base64',
      '',
      pdf.toString('base64'),
      '--b1',
      'Content-Type: image/png',
      'Content-Disposition: attachment; filename="a.png"',
      'Content-Transfer-Encoding: base64',
      '',
      png.toString('base64'),
      '--b1--',
      '',
    ].join('\r\n');
    const body = encodeFormData([text('recipient', 'b@example.com'), text('from', 'a@example.net'), text('body-mime', mime)], boundary);
    const [message] = normalizeInboundRoute(body, contentType);

    expect(message?.media).toHaveLength(2);
    expect(await keptBytes('mailgun', body, message?.media ?? [])).toEqual([pdf, png]);
  });

  it('tells two files of one size apart by name, and fails a file the request does not hold', () => {
    const same = Buffer.from('abc');
    const other = Buffer.from('xyz');
    const attachments = [
      { filename: 'b.txt', bytes: other },
      { filename: 'a.txt', bytes: same },
    ];
    const taken = new Set<number>();

    expect(matchingAttachment(attachments, { kind: 'attachment', sizeBytes: 3, filename: 'a.txt' }, taken).bytes).toBe(same);
    expect(matchingAttachment(attachments, { kind: 'attachment', sizeBytes: 3, filename: 'renamed.txt' }, taken).bytes).toBe(other);
    expect(() => matchingAttachment(attachments, { kind: 'attachment', sizeBytes: 3 }, taken)).toThrow(expect.objectContaining({ failure: 'missing' }));
  });
});
