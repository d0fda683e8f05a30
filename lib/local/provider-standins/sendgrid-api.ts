import { generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { signatureHeader, timestampHeader } from '../../../functions/providers/sendgrid/credentials.ts';
import { Faults, type Fault } from './faults.ts';
import { startProviderStandIn, type ProviderStandIn } from './stand-in.ts';
import { Callbacks, json, readBody, sleep, type Answer } from './http.ts';
import { simulatedOutcomeOf, type RecordedMail } from './mailbox-simulator.ts';

/**
 * A stand-in for SendGrid's Mail Send API on 127.0.0.1: `POST /v3/mail/send` with a bearer API
 * key, answered as https://www.twilio.com/docs/sendgrid/api-reference/mail-send/mail-send does
 * (202 with X-Message-Id and no body, 400 `{ errors: [{ message, field, help }] }`, 401, 429
 * with X-RateLimit-*), then posting the message's Event Webhook batches (processed, delivered,
 * open; a bounce or a drop for the simulator's addresses, mailbox-simulator.ts), signed as
 * SendGrid signs them: ECDSA P-256 over the timestamp and the body, with a key pair the
 * stand-in holds. An endpoint verifies them with `verificationKey` as a secret; the batches also
 * carry the endpoint's Inbound Parse "user:password", as a webhook URL configured with one
 * does, so that an endpoint set up with only that secret (`npm start`'s) takes them too.
 */

/** An account, as the stand-in knows it by its API key: where its Event Webhook posts. */
export interface SendgridAccount {
  /** Absent: the account has no Event Webhook, and nothing is posted. */
  readonly webhook?: { readonly url: string; readonly basicCredential?: string };
}

export interface SendgridApiStandInOptions {
  /** @default 0, any free port */
  readonly port?: number;
  /** The account an API key belongs to; undefined for a key SendGrid does not know. */
  readonly accountOf: (apiKey: string) => Promise<SendgridAccount | undefined>;
  /** How long after the send each event posts. @default { processed: 5, delivered: 10, read: 15 } */
  readonly callbackDelaysMs?: { readonly processed?: number; readonly delivered?: number; readonly read?: number };
}

/** A mail the stand-in took, as a test reads it. */
export interface SendgridStandInMessage extends RecordedMail {
  readonly customArgs: Readonly<Record<string, string>>;
}

export interface SendgridApiStandIn extends ProviderStandIn<SendgridStandInMessage> {
  /** The Event Webhook verification key (base64 SPKI): the secret an endpoint verifies the stand-in's events with. */
  readonly verificationKey: string;
}

const sendgridErrors = (status: number, errors: readonly { message: string; field?: string | null; help?: string | null }[], headers: Record<string, string> = {}): Answer =>
  json(status, { errors: errors.map(({ message, field = null, help = null }) => ({ message, field, help })) }, headers);

const internalError = sendgridErrors(500, [{ message: 'Internal Server Error' }]);
const unauthorized = sendgridErrors(401, [{ message: 'The provided authorization grant is invalid, expired, or revoked' }]);
const notFound = sendgridErrors(404, [{ message: 'Not Found' }]);

// https://www.twilio.com/docs/sendgrid/api-reference/how-to-use-the-sendgrid-v3-api/rate-limits: 429 with X-RateLimit-*, the reset as an epoch second.
const rateLimited = (retryAfterSeconds = 1): Answer =>
  sendgridErrors(429, [{ message: 'too many requests' }], {
    'x-ratelimit-limit': '600',
    'x-ratelimit-remaining': '0',
    'x-ratelimit-reset': String(Math.ceil(Date.now() / 1000) + retryAfterSeconds),
  });

const faultAnswer = (fault: Fault & { status: number }): Answer => {
  if (fault.status === 429) return rateLimited(fault.retryAfterSeconds);
  const retryAfter: Record<string, string> = fault.retryAfterSeconds === undefined ? {} : { 'retry-after': String(fault.retryAfterSeconds) };
  if (fault.status === 400) return sendgridErrors(400, [{ message: 'Does not contain a valid address.', field: 'personalizations.0.to.0.email', help: 'http://sendgrid.com/docs/API_Reference/Web_API_v3/Mail/errors.html#message.personalizations.to' }], retryAfter);
  return sendgridErrors(fault.status, [{ message: fault.status === 503 ? 'Service Unavailable' : 'Internal Server Error' }], retryAfter);
};

interface MailBody {
  readonly personalizations?: readonly { readonly to?: readonly { readonly email?: unknown }[] }[];
  readonly from?: { readonly email?: unknown };
  readonly subject?: unknown;
  readonly content?: readonly { readonly type?: unknown; readonly value?: unknown }[];
  readonly headers?: Record<string, unknown>;
  readonly custom_args?: Record<string, unknown>;
  readonly attachments?: readonly { readonly content?: unknown; readonly filename?: unknown; readonly type?: unknown }[];
}

const help = (anchor: string) => `http://sendgrid.com/docs/API_Reference/Web_API_v3/Mail/errors.html#message.${anchor}`;
const emailPattern = /^[^\s@<>]+@[^\s@<>]+$/;

/** The refusal SendGrid gives a Mail Send it cannot take as it is, if any (its errors page's wording). */
const validationError = (body: MailBody): Answer | undefined => {
  const to = body.personalizations?.[0]?.to?.[0]?.email;
  if (!body.personalizations?.length) return sendgridErrors(400, [{ message: 'The personalizations field is required and must have at least one personalization.', field: 'personalizations', help: help('personalizations') }]);
  if (typeof to !== 'string' || !emailPattern.test(to)) return sendgridErrors(400, [{ message: 'Does not contain a valid address.', field: 'personalizations.0.to.0.email', help: help('personalizations.to') }]);
  if (typeof body.from?.email !== 'string' || !emailPattern.test(body.from.email)) return sendgridErrors(400, [{ message: 'The from email does not contain a valid address.', field: 'from.email', help: help('from') }]);
  if (typeof body.subject !== 'string' || body.subject === '') return sendgridErrors(400, [{ message: 'The subject is required. You can get around this requirement if you use a template with a subject defined or if every personalization has a subject defined.', field: 'subject', help: help('subject') }]);
  if (!body.content?.length || body.content.some(({ value }) => typeof value !== 'string' || value === '')) return sendgridErrors(400, [{ message: 'The content value must be a string at least one character in length.', field: 'content.0.value', help: help('content.value') }]);
  if (body.attachments?.some(({ content, filename }) => typeof content !== 'string' || typeof filename !== 'string')) return sendgridErrors(400, [{ message: 'The attachment content and filename are required.', field: 'attachments.0.content', help: help('attachments.content') }]);
  return undefined;
};

const strings = (record: Record<string, unknown> | undefined): Record<string, string> =>
  Object.fromEntries(Object.entries(record ?? {}).flatMap(([name, value]) => (typeof value === 'string' ? [[name, value]] : [])));

// X-Message-Id: 22 base64url characters, as SendGrid's.
const newMessageId = (): string => randomBytes(16).toString('base64url').slice(0, 22);

export const startSendgridApiStandIn = async (options: SendgridApiStandInOptions): Promise<SendgridApiStandIn> => {
  const messages: SendgridStandInMessage[] = [];
  const faults = new Faults();
  const callbacks = new Callbacks();
  const stopping = new AbortController();
  const delays = { processed: 5, delivered: 10, read: 15, ...options.callbackDelaysMs };
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const verificationKey = publicKey.export({ type: 'spki', format: 'der' }).toString('base64');

  /** One event of the message, as the Event Webhook posts it: its custom args at the top level. */
  const eventOf = (message: SendgridStandInMessage, event: string, extra: Record<string, unknown> = {}) => ({
    email: message.to,
    timestamp: Math.floor(Date.now() / 1000),
    'smtp-id': `<${message.messageId}@ismtpd0001p1mdw1.sendgrid.net>`,
    event,
    sg_event_id: randomBytes(16).toString('base64url'),
    sg_message_id: `${message.messageId}.filterdrecv-standin-1-0`,
    ...extra,
    ...message.customArgs,
  });

  /** Posts each event as its own signed batch, at its time; events and their timing follow the simulator's outcome for the recipient. */
  const scheduleEvents = (apiKey: string, message: SendgridStandInMessage): void => {
    const outcome = simulatedOutcomeOf(message.to);
    const events: [number, () => Record<string, unknown>][] =
      outcome.kind === 'suppressed'
        ? [[delays.processed, () => eventOf(message, 'dropped', { reason: outcome.sendgridReason })]]
        : outcome.kind === 'bounce'
          ? [
              [delays.processed, () => eventOf(message, 'processed')],
              [delays.delivered, () => eventOf(message, 'bounce', { type: 'bounce', status: outcome.enhancedStatus, reason: outcome.reply })],
            ]
          : [
              [delays.processed, () => eventOf(message, 'processed')],
              [delays.delivered, () => eventOf(message, 'delivered', { response: '250 2.0.0 OK' })],
              [delays.read, () => eventOf(message, 'open', { useragent: 'Mozilla/5.0', ip: '203.0.113.9' })],
            ];
    for (const [delay, build] of events) {
      callbacks.schedule(delay, async () => {
        const webhook = (await options.accountOf(apiKey))?.webhook;
        if (!webhook) return undefined;
        // SendGrid separates events with CRLF and ends the body with one, and signs those exact bytes.
        const body = `${JSON.stringify([build()])}\r\n`;
        const timestamp = String(Math.floor(Date.now() / 1000));
        const signature = sign('sha256', Buffer.from(timestamp + body), privateKey).toString('base64');
        const basic: Record<string, string> = webhook.basicCredential === undefined ? {} : { authorization: `Basic ${Buffer.from(webhook.basicCredential).toString('base64')}` };
        return { url: webhook.url, headers: { 'content-type': 'application/json', [signatureHeader]: signature, [timestampHeader]: timestamp, ...basic }, body };
      });
    }
  };

  const send = async (apiKey: string, request: IncomingMessage): Promise<Answer> => {
    const text = await readBody(request);
    if (text === undefined) return sendgridErrors(413, [{ message: 'Payload Too Large' }]);
    const fault = faults.next();
    if (fault?.delayMs) await sleep(fault.delayMs, stopping.signal);
    if (fault?.status !== undefined && !fault.afterAccepting) return faultAnswer({ ...fault, status: fault.status });
    let body: MailBody;
    try {
      body = JSON.parse(text) as MailBody;
    } catch {
      return sendgridErrors(400, [{ message: 'Bad Request', field: null, help: null }]);
    }
    const invalid = validationError(body);
    if (invalid) return invalid;
    const content = (type: string) => body.content?.find((part) => part.type === type)?.value as string | undefined;
    const [html, plain] = [content('text/html'), content('text/plain')];
    const message: SendgridStandInMessage = {
      messageId: newMessageId(),
      from: body.from?.email as string,
      to: body.personalizations?.[0]?.to?.[0]?.email as string,
      subject: body.subject as string,
      headers: strings(body.headers),
      ...(plain !== undefined && { text: plain }),
      ...(html !== undefined && { html }),
      attachments: (body.attachments ?? []).map(({ content: data, filename, type }) => ({ filename: filename as string, content: data as string, ...(typeof type === 'string' && { type }) })),
      customArgs: strings(body.custom_args),
      createdAt: new Date(),
    };
    messages.push(message);
    scheduleEvents(apiKey, message);
    if (fault?.status !== undefined) return faultAnswer({ ...fault, status: fault.status });
    return { status: 202, headers: { 'x-message-id': message.messageId }, body: undefined };
  };

  const handle = async (request: IncomingMessage): Promise<Answer> => {
    const { pathname } = new URL(request.url ?? '/', 'http://127.0.0.1');
    if (pathname !== '/v3/mail/send') return notFound;
    const apiKey = /^Bearer (\S+)$/.exec(request.headers.authorization ?? '')?.[1];
    if (apiKey === undefined || !(await options.accountOf(apiKey))) return unauthorized;
    if (request.method !== 'POST') return sendgridErrors(405, [{ message: 'Method Not Allowed' }]);
    return send(apiKey, request);
  };

  const standIn = await startProviderStandIn({ port: options.port ?? 0, handle, internalError, messages, faults, callbacks, stopping });
  // Onto the stand-in itself: a spread would freeze its live counters (requests, callbacks) at 0.
  return Object.assign(standIn, { verificationKey });
};
