import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { Readable } from 'node:stream';
import { signedTokenFields } from '../../../functions/providers/mailgun/sample.ts';
import { Faults, type Fault } from './faults.ts';
import { startProviderStandIn, type ProviderStandIn } from './stand-in.ts';
import { Callbacks, json, sleep, type Answer } from './http.ts';
import { simulatedOutcomeOf, type RecordedMail } from './mailbox-simulator.ts';

/**
 * A stand-in for Mailgun's Messages API on 127.0.0.1: `POST /v3/{domain}/messages`, multipart
 * with basic auth `api:<key>`, answered as
 * https://documentation.mailgun.com/docs/mailgun/api-reference/send/mailgun/messages does (200
 * `{ id, message: "Queued. Thank you." }`, 400 `{ message }`, 401 "Forbidden", 429), then
 * posting the message's event webhooks (delivered, opened; a permanent failure for the
 * simulator's addresses, mailbox-simulator.ts), signed with the domain's webhook signing key
 * as https://documentation.mailgun.com/docs/mailgun/user-manual/webhooks/securing-webhooks says.
 */

/** A sending domain, as the stand-in knows it: its account's API key and where its webhooks post. */
export interface MailgunDomain {
  readonly apiKey: string;
  /** Absent: no webhooks are posted. */
  readonly webhook?: { readonly url: string; readonly signingKey: string };
}

export interface MailgunApiStandInOptions {
  /** @default 0, any free port */
  readonly port?: number;
  /** The domain by its name; undefined for one no account has. */
  readonly domainOf: (domain: string) => Promise<MailgunDomain | undefined>;
  /** How long after the send each webhook posts. @default { delivered: 10, read: 15 } */
  readonly callbackDelaysMs?: { readonly delivered?: number; readonly read?: number };
}

/** A mail the stand-in took, as a test reads it. */
export interface MailgunStandInMessage extends RecordedMail {
  readonly domain: string;
  /** The `v:` fields, by variable name. */
  readonly variables: Readonly<Record<string, string>>;
}

export type MailgunApiStandIn = ProviderStandIn<MailgunStandInMessage>;

const mailgunError = (status: number, message: string, headers: Record<string, string> = {}): Answer => json(status, { message }, headers);

const internalError = mailgunError(500, 'Internal Server Error');
// Mailgun answers a wrong key with a bare "Forbidden" (the stand-in's server writes it as a JSON string).
const forbidden: Answer = { status: 401, headers: { 'content-type': 'text/plain' }, body: 'Forbidden' };

const faultMessages: Readonly<Record<number, string>> = {
  429: 'Too many requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
  400: "'to' parameter is not a valid address. please check documentation",
};

const faultAnswer = (fault: Fault & { status: number }): Answer =>
  mailgunError(fault.status, faultMessages[fault.status] ?? 'Error', fault.retryAfterSeconds === undefined ? {} : { 'retry-after': String(fault.retryAfterSeconds) });

const apiKeyOf = (request: IncomingMessage): string | undefined => {
  const encoded = /^Basic (\S+)$/.exec(request.headers.authorization ?? '')?.[1];
  const decoded = encoded === undefined ? '' : Buffer.from(encoded, 'base64').toString('utf8');
  return decoded.startsWith('api:') ? decoded.slice('api:'.length) : undefined;
};

/** The multipart (or urlencoded) form, parsed by the platform's own parser: attachments stay bytes. */
const formOf = (request: IncomingMessage): Promise<FormData> =>
  new Request('http://127.0.0.1/', {
    method: 'POST',
    headers: { 'content-type': request.headers['content-type'] ?? '' },
    body: Readable.toWeb(request) as ReadableStream,
    duplex: 'half',
  } as RequestInit).formData();

const prefixed = (form: FormData, prefix: string): Record<string, string> =>
  Object.fromEntries([...form.entries()].flatMap(([name, value]) => (name.startsWith(prefix) && typeof value === 'string' ? [[name.slice(prefix.length), value]] : [])));

/** The refusal Mailgun gives a message it cannot take as it is, if any. */
const validationError = (form: FormData): Answer | undefined => {
  for (const name of ['from', 'to', 'subject']) {
    if (typeof form.get(name) !== 'string' || form.get(name) === '') return mailgunError(400, `'${name}' parameter is missing`);
  }
  if (!form.get('text') && !form.get('html') && !form.get('template')) return mailgunError(400, "Need at least one of 'text', 'html' or 'template' parameters specified");
  return undefined;
};

const newMessageId = (domain: string): string => `${new Date().toISOString().replace(/\D/g, '').slice(0, 14)}.${randomBytes(8).toString('hex')}@${domain}`;

export const startMailgunApiStandIn = async (options: MailgunApiStandInOptions): Promise<MailgunApiStandIn> => {
  const messages: MailgunStandInMessage[] = [];
  const faults = new Faults();
  const callbacks = new Callbacks();
  const stopping = new AbortController();
  const delays = { delivered: 10, read: 15, ...options.callbackDelaysMs };

  /** One event of the message, as https://documentation.mailgun.com/docs/mailgun/user-manual/webhooks/webhook-payloads shows it. */
  const eventData = (message: MailgunStandInMessage, event: string, extra: Record<string, unknown> = {}) => ({
    event,
    id: randomBytes(16).toString('base64url'),
    timestamp: Date.now() / 1000,
    recipient: message.to,
    'recipient-domain': message.to.slice(message.to.lastIndexOf('@') + 1),
    envelope: { sender: `postmaster@${message.domain}`, targets: message.to, transport: 'smtp' },
    message: { headers: { 'message-id': message.messageId, from: message.from, to: message.to, subject: message.subject }, attachments: [], size: 1024 },
    'user-variables': message.variables,
    ...extra,
  });

  const scheduleWebhooks = (message: MailgunStandInMessage): void => {
    const outcome = simulatedOutcomeOf(message.to);
    const events: [number, () => Record<string, unknown>][] =
      outcome.kind === 'suppressed'
        ? [[delays.delivered, () => eventData(message, 'failed', { severity: 'permanent', reason: outcome.mailgunReason, 'delivery-status': { code: 605, message: 'Not delivering to previously unsubscribed address', description: '' } })]]
        : outcome.kind === 'bounce'
          ? [[delays.delivered, () => eventData(message, 'failed', { severity: 'permanent', reason: 'bounce', 'delivery-status': { code: 550, message: outcome.reply, description: '' } })]]
          : [
              [delays.delivered, () => eventData(message, 'delivered', { 'delivery-status': { code: 250, message: 'OK', description: '' } })],
              [delays.read, () => eventData(message, 'opened')],
            ];
    for (const [delay, build] of events) {
      callbacks.schedule(delay, async () => {
        const webhook = (await options.domainOf(message.domain))?.webhook;
        if (!webhook) return undefined;
        const body = JSON.stringify({ signature: signedTokenFields(webhook.signingKey, new Date()), 'event-data': build() });
        return { url: webhook.url, headers: { 'content-type': 'application/json' }, body };
      });
    }
  };

  const send = async (domain: string, request: IncomingMessage): Promise<Answer> => {
    let form: FormData;
    try {
      form = await formOf(request);
    } catch {
      return mailgunError(400, 'Bad Request');
    }
    const fault = faults.next();
    if (fault?.delayMs) await sleep(fault.delayMs, stopping.signal);
    if (fault?.status !== undefined && !fault.afterAccepting) return faultAnswer({ ...fault, status: fault.status });
    const invalid = validationError(form);
    if (invalid) return invalid;
    const field = (name: string) => (typeof form.get(name) === 'string' ? (form.get(name) as string) : undefined);
    const [text, html] = [field('text'), field('html')];
    const attachments = await Promise.all(
      form.getAll('attachment').flatMap((file) => (typeof file === 'string' ? [] : [file.arrayBuffer().then((bytes) => ({ filename: file.name, type: file.type, content: Buffer.from(bytes).toString('base64') }))])),
    );
    const message: MailgunStandInMessage = {
      messageId: newMessageId(domain),
      domain,
      from: field('from') ?? '',
      to: field('to') ?? '',
      subject: field('subject') ?? '',
      headers: prefixed(form, 'h:'),
      ...(text !== undefined && { text }),
      ...(html !== undefined && { html }),
      attachments,
      variables: prefixed(form, 'v:'),
      createdAt: new Date(),
    };
    messages.push(message);
    scheduleWebhooks(message);
    if (fault?.status !== undefined) return faultAnswer({ ...fault, status: fault.status });
    return json(200, { id: `<${message.messageId}>`, message: 'Queued. Thank you.' });
  };

  const handle = async (request: IncomingMessage): Promise<Answer> => {
    const { pathname } = new URL(request.url ?? '/', 'http://127.0.0.1');
    const domain = /^\/v3\/([^/]+)\/messages$/.exec(pathname)?.[1];
    if (domain === undefined) return mailgunError(404, 'Not Found');
    const name = decodeURIComponent(domain);
    const known = await options.domainOf(name);
    const apiKey = apiKeyOf(request);
    if (!known || apiKey === undefined || apiKey !== known.apiKey) return forbidden;
    if (request.method !== 'POST') return mailgunError(405, 'Method Not Allowed');
    return send(name, request);
  };

  return startProviderStandIn({ port: options.port ?? 0, handle, internalError, messages, faults, callbacks, stopping });
};
