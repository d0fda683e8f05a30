import { randomBytes } from 'node:crypto';
import { rfc5322Date } from '../email/dates.ts';
import type { SampleOptions, SampleRequest } from '../types.ts';
import { mailgunSignature } from './signature.ts';

/** A Mailgun token: 50 random characters. */
const mailgunToken = (): string => randomBytes(25).toString('hex');

/** The `timestamp`, `token` and `signature` Mailgun adds to every POST, signed with `signingKey` at `now`. */
export const signedTokenFields = (signingKey: string, now: Date, token = mailgunToken()): Record<string, string> => {
  const timestamp = String(Math.floor(now.getTime() / 1000));
  return { timestamp, token, signature: mailgunSignature(signingKey, timestamp, token) };
};

interface RouteMailOptions {
  readonly text: string;
  readonly from?: string;
  readonly to?: string;
  readonly subject?: string;
  readonly now?: Date;
}

/** The fields of a fully parsed route POST for a plain-text mail, unsigned, in Mailgun's order. */
const routeFields = ({
  text,
  from = 'ana.ruiz@example.net',
  to = 'support@mg.example.com',
  subject = 'Where is order #1042?',
  now = new Date(),
}: RouteMailOptions): Record<string, string> => {
  const messageId = `<${randomBytes(12).toString('hex')}@mail.example.net>`;
  const headers: [string, string][] = [
    ['X-Mailgun-Incoming', 'Yes'],
    ['X-Envelope-From', `<${from}>`],
    ['Mime-Version', '1.0'],
    ['From', from],
    ['Date', rfc5322Date(now)],
    ['Message-Id', messageId],
    ['Subject', subject],
    ['To', to],
    ['Content-Type', 'text/plain; charset="UTF-8"'],
  ];
  return {
    recipient: to,
    sender: from,
    subject,
    from,
    'X-Mailgun-Incoming': 'Yes',
    'X-Envelope-From': `<${from}>`,
    'Mime-Version': '1.0',
    From: from,
    Date: rfc5322Date(now),
    'Message-Id': messageId,
    Subject: subject,
    To: to,
    'Content-Type': 'text/plain; charset="UTF-8"',
    'message-headers': JSON.stringify(headers),
    'body-plain': text,
    'stripped-text': text,
    'stripped-signature': '',
  };
};

/** A urlencoded route POST of these fields, signed with `signingKey` at `now`. */
const signedRouteRequest = (fields: Record<string, string>, signingKey: string, now: Date): SampleRequest => ({
  body: new URLSearchParams({ ...fields, ...signedTokenFields(signingKey, now) }).toString(),
  headers: { 'content-type': 'application/x-www-form-urlencoded' },
});

export const mailgunSample = ({ secret, text, from, to, now = new Date() }: SampleOptions): SampleRequest =>
  signedRouteRequest(routeFields({ text, now, ...(from && { from }), ...(to && { to }) }), secret, now);
