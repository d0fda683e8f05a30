import { randomBytes } from 'node:crypto';
import { rfc5322Date } from '../email/dates.ts';
import { encodeFormData, type FormField } from '../email/form.ts';
import type { SampleOptions, SampleRequest } from '../types.ts';
import { isBasicCredential } from './credentials.ts';

/** The boundary SendGrid's Inbound Parse always uses. */
const parseBoundary = 'xYzZY';

const textField = (name: string, value: string): FormField => ({ name, bytes: Buffer.from(value, 'utf8') });

export interface InboundMailOptions {
  readonly text: string;
  readonly from?: string;
  readonly to?: string;
  readonly subject?: string;
  readonly now?: Date;
}

/** The fields Inbound Parse posts for a plain UTF-8 mail, in the order SendGrid posts them. */
export const inboundParseFields = ({
  text,
  from = 'ana.ruiz@example.net',
  to = 'support@parse.example.com',
  subject = 'Where is order #1042?',
  now = new Date(),
}: InboundMailOptions): FormField[] => {
  const smtpId = randomBytes(8).toString('hex');
  const headers = [
    `Received: from mail.example.net (mail.example.net [203.0.113.25]) by mx.sendgrid.net with ESMTP id ${smtpId} for <${to}>; ${rfc5322Date(now)}`,
    'MIME-Version: 1.0',
    `From: ${from}`,
    `Date: ${rfc5322Date(now)}`,
    `Message-ID: <${randomBytes(12).toString('hex')}@mail.example.net>`,
    `Subject: ${subject}`,
    `To: ${to}`,
    'Content-Type: text/plain; charset="UTF-8"',
    '',
  ].join('\n');
  return [
    textField('headers', headers),
    textField('dkim', '{@example.net : pass}'),
    textField('to', to),
    textField('from', from),
    textField('text', text),
    textField('sender_ip', '203.0.113.25'),
    textField('envelope', JSON.stringify({ to: [to], from })),
    textField('attachments', '0'),
    textField('subject', subject),
    textField('charsets', JSON.stringify({ to: 'UTF-8', from: 'UTF-8', subject: 'UTF-8', text: 'UTF-8' })),
    textField('SPF', 'pass'),
  ];
};

/** An Inbound Parse POST of these fields, authenticated as SendGrid does with the URL's `user:password@`. */
export const inboundParseRequest = (fields: readonly FormField[], credential: string): { body: Buffer; headers: Record<string, string> } => ({
  body: encodeFormData(fields, parseBoundary),
  headers: {
    'content-type': `multipart/form-data; boundary=${parseBoundary}`,
    authorization: `Basic ${Buffer.from(credential, 'utf8').toString('base64')}`,
  },
});

/** An inbound mail through Inbound Parse: the secret must be the endpoint's "user:password". */
export const sendgridSample = ({ secret, text, from, to, now }: SampleOptions): SampleRequest => {
  if (!isBasicCredential(secret)) {
    throw new Error('a SendGrid sample is an Inbound Parse mail with basic auth: the endpoint\'s first secret must be "user:password"');
  }
  const { body, headers } = inboundParseRequest(inboundParseFields({ text, ...(from && { from }), ...(to && { to }), ...(now && { now }) }), secret);
  return { body: body.toString('utf8'), headers };
};
