import { randomBytes } from 'node:crypto';
import { rfc5322Date } from '../email/dates.ts';
import { encodeFormData, type FormField } from '../email/form.ts';
import { withoutHeaders } from '../recorded-headers.ts';
import type { RecordedRequest, ResignOptions, SampleOptions, SampleRequest } from '../types.ts';
import { isBasicCredential, signatureHeader, timestampHeader } from './credentials.ts';

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

/** The Authorization header of a URL's `user:password@`. */
const basicAuthorization = (credential: string): string => `Basic ${Buffer.from(credential, 'utf8').toString('base64')}`;

/** An Inbound Parse POST of these fields, authenticated as SendGrid does with the URL's `user:password@`. */
export const inboundParseRequest = (fields: readonly FormField[], credential: string): { body: Buffer; headers: Record<string, string> } => ({
  body: encodeFormData(fields, parseBoundary),
  headers: {
    'content-type': `multipart/form-data; boundary=${parseBoundary}`,
    authorization: basicAuthorization(credential),
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

/**
 * A recorded SendGrid request authenticated with another of the endpoint's secrets. A
 * "user:password" one authenticates any request, as the basic auth of the URL configured at
 * SendGrid (the Event Webhook takes one too), in place of the recorded credentials. An Event
 * Webhook signature is made with SendGrid's private key, which no endpoint holds: it is kept
 * as recorded, for an endpoint holding the verification key it was made with. SendGrid signs
 * no time: posted twice, a request is stored once (by its Message-Id or sg_event_id).
 */
export const resignSendgrid = (recorded: RecordedRequest, { url, secret }: ResignOptions): RecordedRequest => {
  if (isBasicCredential(secret)) {
    return { ...recorded, url, headers: { ...withoutHeaders(recorded.headers, [signatureHeader, timestampHeader]), authorization: basicAuthorization(secret) } };
  }
  if (recorded.headers[signatureHeader] === undefined) {
    throw new Error('it authenticates with basic auth: the endpoint needs a "user:password" secret to send it');
  }
  return { ...recorded, url };
};
