import { describe, expect, it } from 'vitest';
import { headerValue } from '../../../../functions/providers/email/headers.ts';
import { parseMime } from '../../../../functions/providers/email/mime.ts';
import { anymailRawMime } from '../../../helpers/email-fixtures.ts';

const crlf = (lines: string[], encoding: BufferEncoding = 'utf8') => Buffer.from(lines.join('\r\n'), encoding);

describe('parseMime', () => {
  it('reads the text and html of a multipart/alternative message in quoted-printable', () => {
    // Prepare: django-anymail's raw MIME fixture, tests/test_sendgrid_inbound.py (test_inbound_mime)
    const raw = Buffer.from(anymailRawMime);

    // Act
    const email = parseMime(raw);

    // Assess
    expect(headerValue(email.headers, 'message-id')).toBe('<CAEPk3RKEx@mail.example.org>');
    expect(email.text).toBe("It's a body…\n");
    expect(email.html).toBe('<div dir="ltr">It\'s a body…</div>\n');
    expect(email.attachments).toEqual([]);
  });

  it('lists attachments of nested multiparts with their decoded size, type and RFC 2047/2231 filenames', () => {
    const pdf = Buffer.from('%PDF-1.4\n%%EOF\n');
    const raw = crlf([
      'Content-Type: multipart/mixed; boundary=outer',
      '',
      '--outer',
      'Content-Type: multipart/related; boundary=inner',
      '',
      '--inner',
      'Content-Type: text/plain; charset=iso-8859-1',
      'Content-Transfer-Encoding: 8bit',
      '',
      'Caf\xe9',
      '--inner',
      'Content-Type: image/png; name="=?UTF-8?Q?l=C3=B6go.png?="',
      'Content-Disposition: inline',
      'Content-ID: <logo>',
      'Content-Transfer-Encoding: base64',
      '',
      Buffer.from([0x89, 0x50, 0x4e, 0x47]).toString('base64'),
      '--inner--',
      '--outer',
      'Content-Type: application/pdf',
      "Content-Disposition: attachment; filename*=UTF-8''r%C3%A9sum%C3%A9.pdf",
      'Content-Transfer-Encoding: base64',
      '',
      pdf.toString('base64').replace(/(.{8})/g, '$1\r\n'),
      '--outer--',
    ], 'latin1');

    const email = parseMime(raw);

    expect(email.text).toBe('Café');
    expect(email.attachments).toEqual([
      { filename: 'lögo.png', contentType: 'image/png', sizeBytes: 4 },
      { filename: 'résumé.pdf', contentType: 'application/pdf', sizeBytes: pdf.length },
    ]);
  });

  it('treats a text part with a filename as an attachment, not as the body', () => {
    const raw = crlf([
      'Content-Type: multipart/mixed; boundary=b',
      '',
      '--b',
      'Content-Type: text/plain',
      '',
      'The body',
      '--b',
      'Content-Type: text/plain; name="notes.txt"',
      '',
      'Attached notes',
      '--b--',
    ]);

    const email = parseMime(raw);

    expect(email.text).toBe('The body');
    expect(email.attachments).toEqual([{ filename: 'notes.txt', contentType: 'text/plain', sizeBytes: 14 }]);
  });

  it('reads a single-part message without Content-Type as plain text', () => {
    const email = parseMime(crlf(['Subject: hi', '', 'Just text']));

    expect(email.text).toBe('Just text');
  });

  it('decodes a part in a charset TextDecoder does not know as UTF-8', () => {
    const email = parseMime(crlf(['Content-Type: text/plain; charset=x-mac-unknown', '', 'caf\u00e9']));

    expect(email.text).toBe('café');
  });

  it('stops at a bounded depth instead of recursing through a crafted message', () => {
    const depth = 10_000;
    const opening = Array.from({ length: depth }, (_, level) => `Content-Type: multipart/mixed; boundary=b${level}\r\n\r\n--b${level}\r\n`).join('');
    const raw = Buffer.from(`${opening}Content-Type: text/plain\r\n\r\ndeep`);

    expect(() => parseMime(raw)).not.toThrow();
    expect(parseMime(raw).text).toBeUndefined();
  });
});
