import { describe, expect, it } from 'vitest';
import { PermanentError } from '../../../../functions/core/errors.ts';
import type { NormalizedMessage } from '../../../../functions/core/message.ts';
import { encodeFormData, type FormField } from '../../../../functions/providers/email/form.ts';
import { sendgrid } from '../../../../functions/providers/sendgrid/index.ts';

const url = 'https://hooks.example.com/webhooks/sendgrid/ep_0123456789abcdefghijklmnopq';

const field = (name: string, value: string, file?: { filename: string; contentType: string }): FormField => ({ name, bytes: Buffer.from(value), ...file });

const normalizeBody = (body: Buffer, contentType = 'multipart/form-data; boundary=xYzZY'): NormalizedMessage[] =>
  sendgrid.normalize({ url, headers: { 'content-type': contentType }, body }) as NormalizedMessage[];

const normalizeFields = (fields: FormField[]) => normalizeBody(encodeFormData(fields, 'xYzZY'));

// django-anymail tests/test_sendgrid_inbound.py (test_inbound_basics): SendGrid's parsed fields.
const basicFields = (): FormField[] => [
  field(
    'headers',
    [
      'Received: from mail.example.org by mx987654321.sendgrid.net ...',
      'Received: by mail.example.org for <test@inbound.example.com> ...',
      'DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=example.org; ...',
      'MIME-Version: 1.0',
      'Received: by 10.10.1.71 with HTTP; Wed, 11 Oct 2017 18:31:04 -0700 (PDT)',
      'From: "Displayed From" <from+test@example.org>',
      'Date: Wed, 11 Oct 2017 18:31:04 -0700',
      'Message-ID: <CAEPk3R+4Zr@mail.example.org>',
      'Subject: Test subject',
      'To: "Test Inbound" <test@inbound.example.com>, other@example.com',
      'Cc: cc@example.com',
      'Content-Type: multipart/mixed; boundary="94eb2c115edcf35387055b61f849"',
      '',
    ].join('\n'),
  ),
  field('from', 'Displayed From <from+test@example.org>'),
  field('to', 'Test Inbound <test@inbound.example.com>, other@example.com'),
  field('subject', 'Test subject'),
  field('text', 'Test body plain'),
  field('html', '<div>Test body html</div>'),
  field('attachments', '0'),
  field('charsets', '{"to":"UTF-8","html":"UTF-8","subject":"UTF-8","from":"UTF-8","text":"UTF-8"}'),
  field('envelope', '{"to":["test@inbound.example.com"],"from":"envelope-from@example.org"}'),
  field('sender_ip', '10.10.1.71'),
  field('dkim', '{@example.org : pass}'),
  field('SPF', 'pass'),
  field('spam_score', '1.7'),
];

describe('sendgrid.normalize: Inbound Parse', () => {
  it('turns the parsed fields into one email message from the sender to the envelope recipient', () => {
    // Act
    const events = normalizeFields(basicFields());

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
        text: 'Test body plain',
        media: [],
        contentType: 'email',
        subject: 'Test subject',
        providerTimestamp: '2017-10-12T01:31:04.000Z',
      },
    ]);
  });

  it('decodes each field in the charset `charsets` names for it (a real SendGrid capture)', () => {
    // Prepare: django-anymail tests/test_sendgrid_inbound.py (test_inbound_charsets), "Captured
    // (sanitized) from actual SendGrid inbound webhook payload 7/2020": windows-1252 text,
    // iso-8859-1 html, cp850 subject, UTF-8 addresses.
    const raw = [
      '--xYzZY',
      'Content-Disposition: form-data; name="headers"',
      '',
      'Date: Fri, 24 Jul 2020 16:43:46 UTC',
      'To: =?utf-8?q?R=C3=A9cipiendaire_pr=C3=A9cieux?= <inbound@sg.example.com>',
      'From: =?utf-8?q?Op=C3=A9rateur?= de test <sender@example.com>',
      'Subject: =?cp850?q?Como_usted_pidi=A2?=',
      '',
      '--xYzZY',
      'Content-Disposition: form-data; name="subject"',
      '',
      'Como usted pidi\xa2',
      '--xYzZY',
      'Content-Disposition: form-data; name="to"',
      '',
      'R\xc3\xa9cipiendaire pr\xc3\xa9cieux <inbound@sg.example.com>',
      '--xYzZY',
      'Content-Disposition: form-data; name="html"',
      '',
      '<p>\xbfEsto se ve como esperabas?</p>',
      '--xYzZY',
      'Content-Disposition: form-data; name="from"',
      '',
      'Op\xc3\xa9rateur de test <sender@example.com>',
      '--xYzZY',
      'Content-Disposition: form-data; name="text"',
      '',
      'Test the ESP\x92s inbound charset handling\x85',
      '--xYzZY',
      'Content-Disposition: form-data; name="charsets"',
      '',
      '{"to":"UTF-8","cc":"UTF-8","html":"iso-8859-1","subject":"cp850","from":"UTF-8","text":"windows-1252"}',
      '--xYzZY--',
      '',
    ].join('\r\n');

    // Act
    const [message] = normalizeBody(Buffer.from(raw, 'latin1'));

    // Assess
    expect(message).toMatchObject({
      businessAddress: 'inbound@sg.example.com',
      customerAddress: 'sender@example.com',
      text: 'Test the ESP’s inbound charset handling…',
      // TextDecoder has no cp850: the unknown charset falls back to UTF-8 rather than failing the mail.
      subject: 'Como usted pidi\uFFFD',
      providerTimestamp: '2020-07-24T16:43:46.000Z',
    });
  });

  it('renders the html, in its own charset, when there is no text field', () => {
    const fields = basicFields().filter(({ name }) => name !== 'text' && name !== 'html' && name !== 'charsets');
    fields.push({ name: 'html', bytes: Buffer.from('<p>\xbfEsto se ve como esperabas?</p>', 'latin1') }, field('charsets', '{"html":"iso-8859-1"}'));

    const [message] = normalizeFields(fields);

    expect(message?.text).toBe('¿Esto se ve como esperabas?');
  });

  it('lists the attachments with the names and types of attachment-info and their sizes', () => {
    // django-anymail tests/test_sendgrid_inbound.py (test_attachments), trimmed to two files.
    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    const fields = [
      ...basicFields().filter(({ name }) => name !== 'attachments'),
      field('attachments', '2'),
      field('attachment-info', '{"attachment2":{"filename":"image.png","type":"image/png","content-id":"abc123"},"attachment1":{"filename":"test.txt","charset":"UTF-8","type":"text/plain"}}'),
      field('content-ids', '{"abc123": "attachment2"}'),
      field('attachment1', 'test attachment', { filename: 'test.txt', contentType: 'text/plain' }),
      { name: 'attachment2', bytes: png, filename: 'image.png', contentType: 'application/octet-stream' },
    ];

    const [message] = normalizeFields(fields);

    expect(message?.media).toEqual([
      { filename: 'test.txt', contentType: 'text/plain', sizeBytes: 15 },
      { filename: 'image.png', contentType: 'image/png', sizeBytes: 8 },
    ]);
  });

  it('reads the whole mail from the `email` field in raw MIME mode', () => {
    // django-anymail tests/test_sendgrid_inbound.py (test_inbound_mime)
    const mime = [
      'From: A tester <test@example.org>',
      'Date: Thu, 12 Oct 2017 18:03:30 -0700',
      'Message-ID: <CAEPk3RKEx@mail.example.org>',
      'Subject: Raw MIME test',
      'To: test@inbound.example.com',
      'MIME-Version: 1.0',
      'Content-Type: multipart/mixed; boundary="94eb2c05e174adb140055b6339c5"',
      '',
      '--94eb2c05e174adb140055b6339c5',
      'Content-Type: text/plain; charset="UTF-8"',
      'Content-Transfer-Encoding: quoted-printable',
      '',
      "It's a body=E2=80=A6",
      '',
      '--94eb2c05e174adb140055b6339c5',
      'Content-Type: application/pdf; name="invoice.pdf"',
      'Content-Transfer-Encoding: base64',
      '',
      Buffer.from('%PDF-1.4 tiny').toString('base64'),
      '--94eb2c05e174adb140055b6339c5--',
      '',
    ].join('\n');
    const fields = [
      field('email', mime),
      field('from', 'A tester <test@example.org>'),
      field('to', 'test@inbound.example.com'),
      field('charsets', '{"to":"UTF-8","subject":"UTF-8","from":"UTF-8"}'),
      field('envelope', '{"to":["test@inbound.example.com"],"from":"envelope-from@example.org"}'),
    ];

    const [message] = normalizeFields(fields);

    expect(message).toMatchObject({
      providerMessageId: 'CAEPk3RKEx@mail.example.org',
      businessAddress: 'test@inbound.example.com',
      customerAddress: 'test@example.org',
      subject: 'Raw MIME test',
      text: "It's a body…\n",
      media: [{ filename: 'invoice.pdf', contentType: 'application/pdf', sizeBytes: 13 }],
      providerTimestamp: '2017-10-13T01:03:30.000Z',
    });
  });

  it('keys the conversation on the envelope recipient, not the first To address', () => {
    const fields = basicFields().map((entry) =>
      entry.name === 'envelope' ? field('envelope', '{"to":["Other@Example.com"],"from":"envelope-from@example.org"}') : entry,
    );

    expect(normalizeFields(fields)[0]?.businessAddress).toBe('other@example.com');
  });

  it('identifies a mail without Message-ID by a hash of the POST, the same on a retry', () => {
    const fields = basicFields().map((entry) => (entry.name === 'headers' ? field('headers', 'From: from+test@example.org\n') : entry));

    const [first] = normalizeFields(fields);
    const [retry] = normalizeFields(fields);

    expect(first?.providerMessageId).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(retry?.providerMessageId).toBe(first?.providerMessageId);
  });

  it('reads on past malformed charsets, envelope and attachment-info JSON', () => {
    const fields = [
      ...basicFields().filter(({ name }) => !['charsets', 'envelope'].includes(name)),
      field('charsets', '{not json'),
      field('envelope', '["not", "an object"]'),
      field('attachment-info', 'null'),
      field('attachment1', 'x', { filename: 'x.txt', contentType: 'text/plain' }),
    ];

    const [message] = normalizeFields(fields);

    expect(message).toMatchObject({ businessAddress: 'test@inbound.example.com', media: [{ filename: 'x.txt', contentType: 'text/plain', sizeBytes: 1 }] });
  });

  it('refuses a form that names no recipient as permanent', () => {
    const fields = [field('text', 'orphan'), field('from', 'a@example.org')];

    expect(() => normalizeFields(fields)).toThrow(PermanentError);
  });

  it.each([
    ['a urlencoded body', 'application/x-www-form-urlencoded'],
    ['a body without Content-Type', ''],
    ['multipart without a boundary', 'multipart/form-data'],
  ])('refuses %s as permanent', (_, contentType) => {
    expect(() => normalizeBody(Buffer.from('to=a%40b.c'), contentType)).toThrow(PermanentError);
  });
});
