import { describe, expect, it } from 'vitest';
import { PermanentError } from '../../../../functions/core/errors.ts';
import type { NormalizedMessage } from '../../../../functions/core/message.ts';
import { encodeFormData, type FormField } from '../../../../functions/providers/email/form.ts';
import { mailgun } from '../../../../functions/providers/mailgun/index.ts';
import { signedTokenFields } from '../../../../functions/providers/mailgun/sample.ts';
import { anymailRawMime } from '../../../helpers/email-fixtures.ts';

const url = 'https://hooks.example.com/webhooks/mailgun/ep_0123456789abcdefghijklmnopq';
const signedAt = new Date('2026-11-20T15:00:00Z');

const normalizeForm = (fields: Record<string, string>) =>
  mailgun.normalize({
    url,
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: Buffer.from(new URLSearchParams({ ...fields, ...signedTokenFields('key', signedAt) }).toString()),
  }) as NormalizedMessage[];

const normalizeMultipart = (fields: FormField[]) =>
  mailgun.normalize({
    url,
    headers: { 'content-type': 'multipart/form-data; boundary=BoUnDaRy' },
    body: encodeFormData(fields, 'BoUnDaRy'),
  }) as NormalizedMessage[];

// django-anymail tests/test_mailgun_inbound.py (test_inbound_basics): a fully parsed route POST.
const basicFields = (): Record<string, string> => ({
  recipient: 'test@inbound.example.com',
  sender: 'envelope-from@example.org',
  'message-headers': JSON.stringify([
    ['X-Mailgun-Spam-Rules', 'DKIM_SIGNED, DKIM_VALID, DKIM_VALID_AU, ...'],
    ['X-Mailgun-Dkim-Check-Result', 'Pass'],
    ['X-Mailgun-Spf', 'Pass'],
    ['X-Envelope-From', '<envelope-from@example.org>'],
    ['Received', 'from mail.example.org by mxa.mailgun.org ...'],
    ['Mime-Version', '1.0'],
    ['From', '"Displayed From" <from+test@example.org>'],
    ['Date', 'Wed, 11 Oct 2017 18:31:04 -0700'],
    ['Message-Id', '<CAEPk3R+4Zr@mail.example.org>'],
    ['Subject', 'Test subject'],
    ['To', '"Test Inbound" <test@inbound.example.com>, other@example.com'],
    ['Cc', 'cc@example.com'],
    ['Content-Type', 'multipart/mixed; boundary="089e0825ccf874a0bb055b4f7e23"'],
  ]),
  'body-plain': 'Test body plain',
  'body-html': '<div>Test body html</div>',
  'stripped-html': 'stripped html body',
  'stripped-text': 'stripped plaintext body',
});

describe('mailgun.normalize: inbound route', () => {
  it('turns a fully parsed POST into one email message, its text stripped of the quoted history', () => {
    // Act
    const events = normalizeForm(basicFields());

    // Assess
    expect(events).toEqual([
      {
        kind: 'message',
        channel: 'email',
        direction: 'inbound',
        providerMessageId: 'CAEPk3R+4Zr@mail.example.org',
        businessAddress: 'test@inbound.example.com',
        customerAddress: 'from+test@example.org',
        from: 'from+test@example.org',
        to: 'test@inbound.example.com',
        text: 'stripped plaintext body',
        media: [],
        contentType: 'email',
        subject: 'Test subject',
        providerTimestamp: '2017-10-12T01:31:04.000Z',
      },
    ]);
  });

  it('falls back to body-plain when Mailgun found nothing to strip', () => {
    const [message] = normalizeForm({ ...basicFields(), 'stripped-text': '' });

    expect(message?.text).toBe('Test body plain');
  });

  it('lists the attachment-N files of a multipart POST with their names, types and sizes', () => {
    // django-anymail tests/test_mailgun_inbound.py (test_attachments), trimmed to two files.
    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00]);
    const fields: FormField[] = [
      ...Object.entries({ ...basicFields(), 'attachment-count': '2', 'content-id-map': '{"<abc123>": "attachment-2"}', ...signedTokenFields('key', signedAt) }).map(
        ([name, value]) => ({ name, bytes: Buffer.from(value) }),
      ),
      { name: 'attachment-2', bytes: png, filename: 'image.png', contentType: 'image/png' },
      { name: 'attachment-1', bytes: Buffer.from('test attachment'), filename: 'test.txt', contentType: 'text/plain' },
    ];

    const [message] = normalizeMultipart(fields);

    expect(message?.media).toEqual([
      { filename: 'test.txt', contentType: 'text/plain', sizeBytes: 15 },
      { filename: 'image.png', contentType: 'image/png', sizeBytes: 9 },
    ]);
  });

  it('reads the mail from body-mime when the route URL ends in mime', () => {
    // django-anymail tests/test_mailgun_inbound.py (test_inbound_mime)

    const [message] = normalizeForm({ recipient: 'test@inbound.example.com', sender: 'envelope-from@example.org', 'body-mime': anymailRawMime });

    expect(message).toMatchObject({
      providerMessageId: 'CAEPk3RKEx@mail.example.org',
      businessAddress: 'test@inbound.example.com',
      customerAddress: 'test@example.org',
      subject: 'Raw MIME test',
      text: "It's a body…\n",
      media: [],
    });
  });

  it('reads the headers Mailgun posts as fields of their own when message-headers is missing', () => {
    const { 'message-headers': _, ...fields } = basicFields();

    const [message] = normalizeForm({ ...fields, 'Message-Id': '<fallback@mail.example.org>', 'In-Reply-To': '<sent@mg.example.com>', from: 'Ana <ana@example.net>' });

    expect(message).toMatchObject({ providerMessageId: 'fallback@mail.example.org', replyTo: 'sent@mg.example.com', customerAddress: 'ana@example.net' });
  });

  it('identifies a mail without Message-Id by its fields, the same on a retry signed with a fresh token', () => {
    const fields = { recipient: 'support@mg.example.com', from: 'ana@example.net', 'body-plain': 'no id', 'message-headers': '[]' };

    const [first] = normalizeForm(fields);
    const [retry] = normalizeForm(fields);

    expect(first?.providerMessageId).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(retry?.providerMessageId).toBe(first?.providerMessageId);
  });

  it('refuses a form without a recipient as permanent', () => {
    const { recipient: _, 'message-headers': __, ...fields } = basicFields();

    expect(() => normalizeForm(fields)).toThrow(PermanentError);
  });

  it('refuses a body that is neither JSON nor a form as permanent', () => {
    expect(() => mailgun.normalize({ url, headers: { 'content-type': 'text/plain' }, body: Buffer.from('hello') })).toThrow(PermanentError);
  });
});
