import { randomBytes } from 'node:crypto';
import { rfc5322Date } from '../email/dates.ts';
import { encodeFormData, readForm } from '../email/form.ts';
import { parseParameterizedHeader } from '../email/parameters.ts';
import type { RecordedRequest, ResignOptions, SampleOptions, SampleRequest } from '../types.ts';
import { mailgunSignature, signedTokenOf } from './signature.ts';

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

/** The body with its timestamp, token and signature replaced, everything else as it was: in the event's JSON, or fields of the route's form. */
const withSignedToken = ({ headers, body }: RecordedRequest, signed: Record<string, string>): string => {
  const contentType = headers['content-type'];
  const { value: mediaType, parameters } = parseParameterizedHeader(contentType ?? '');
  if (mediaType === 'application/json') return JSON.stringify({ ...(JSON.parse(body) as object), signature: signed });
  const fields = (readForm(Buffer.from(body), contentType) ?? []).map((field) =>
    Object.hasOwn(signed, field.name) ? { ...field, bytes: Buffer.from(signed[field.name] ?? '') } : field,
  );
  return mediaType === 'multipart/form-data' && parameters.boundary
    ? encodeFormData(fields, parameters.boundary).toString('utf8')
    : new URLSearchParams(fields.map(({ name, bytes }): [string, string] => [name, bytes.toString('utf8')])).toString();
};

/**
 * A recorded Mailgun request signed with another signing key at `now`, with a fresh token:
 * the ack refuses a token it has seen (406), so each post is a delivery of its own. The mail or
 * event it carries is still stored once (by its Message-Id or event id).
 */
export const resignMailgun = (recorded: RecordedRequest, { url, secret, now }: ResignOptions): RecordedRequest => {
  if (!signedTokenOf({ ...recorded, body: Buffer.from(recorded.body) })) throw new Error('it carries no Mailgun timestamp, token and signature to replace');
  return { ...recorded, url, body: withSignedToken(recorded, signedTokenFields(secret, now)) };
};
