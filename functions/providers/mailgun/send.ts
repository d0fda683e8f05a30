import type { ProviderSender, SendCredentials, SendOutcome, SendRequest } from '../../core/outbound.ts';
import { messageIdIn } from '../email/message.ts';
import { threadingHeaders } from '../email/reply.ts';
import { isOneMailbox } from '../../core/email-reply.ts';
import { emailFailure, emailRate, noSubject, notOneMailbox, readAnswer, throttleSecondsOf } from '../email/send-answers.ts';
import { transportOutcome } from '../senders.ts';
import { correlationParam } from '../twilio/status-callback.ts';

/**
 * Mailgun's send client: one `POST /v3/{domain}/messages` per message, multipart with basic auth
 * `api:<key>`, answered `{ id: "<…@domain>", message: "Queued. Thank you." }`.
 * https://documentation.mailgun.com/docs/mailgun/api-reference/send/mailgun/messages
 */

export interface MailgunSenderOptions {
  /** @default 'https://api.mailgun.net' (a domain in the EU region is sent through https://api.eu.mailgun.net) */
  readonly baseUrl?: string;
}

type MailgunCredentials = Extract<SendCredentials, { provider: 'mailgun' }>;

/**
 * The Messages form of one message: text (and HTML) to one recipient from the inbox; `h:`
 * fields are headers (In-Reply-To, References), `v:` fields variables that come back in every
 * event of the message as `user-variables`, and each file is an `attachment` part
 * (https://documentation.mailgun.com/docs/mailgun/user-manual/sending-messages/send-attachments).
 */
export const mailgunMessageForm = (request: SendRequest): FormData => {
  const form = new FormData();
  form.set('from', request.from);
  form.set('to', request.to);
  form.set('subject', request.email?.subject ?? '');
  form.set('text', request.content.text ?? '');
  if (request.email?.html !== undefined) form.set('html', request.email.html);
  for (const [name, value] of Object.entries(request.email ? threadingHeaders(request.email) : {})) form.set(`h:${name}`, value);
  form.set(`v:${correlationParam}`, request.messageId);
  for (const file of request.content.attachments ?? []) form.append('attachment', new Blob([new Uint8Array(file.content)], { type: file.contentType }), file.filename);
  return form;
};

/** Mailgun's error text: `{ message }`, or the bare text of its 401 ("Forbidden"). */
const errorTextOf = (body: unknown): string | undefined => {
  if (typeof body === 'string' && body.trim() !== '') return body.trim();
  return typeof body === 'object' && body !== null && 'message' in body && typeof body.message === 'string' ? body.message : undefined;
};

/**
 * Classifies Mailgun's answer. A 200's `id` is the Message-Id it gave the mail, which every
 * event names without its brackets (mailgun/events.ts), so it is kept without them. A 404 names
 * a domain the key's account does not have: the endpoint's credentials are wrong.
 */
export const classifyMailgunAnswer = (status: number, headers: Headers, body: unknown, now = Date.now()): SendOutcome => {
  if (status >= 200 && status < 300) {
    const id = typeof body === 'object' && body !== null && 'id' in body && typeof body.id === 'string' ? messageIdIn(body.id) : undefined;
    return id ? { kind: 'accepted', providerMessageId: id } : { kind: 'unknown', code: String(status), message: 'Mailgun answered without a message id' };
  }
  const credentials = "Mailgun refused the endpoint's API key or does not know its sending domain: set the account's API key and the domain it sends from (and its region's API).";
  if (status === 404) return { kind: 'failed', category: 'credentials', code: '404', message: errorTextOf(body) ?? 'Domain not found', hint: credentials };
  return emailFailure('Mailgun', status, errorTextOf(body), throttleSecondsOf(headers, now), { credentials });
};

const noKey: SendOutcome = {
  kind: 'failed',
  category: 'credentials',
  code: 'credentials',
  message: 'the endpoint has no Mailgun API key',
  hint: "Set the endpoint's Mailgun API key and domain with switchboard endpoint credentials --mailgun-api-key … --mailgun-domain ….",
};

const authorizationOf = (credentials: MailgunCredentials): string => `Basic ${Buffer.from(`api:${credentials.apiKey}`).toString('base64')}`;

export const createMailgunSender = ({ baseUrl = 'https://api.mailgun.net' }: MailgunSenderOptions = {}): ProviderSender => ({
  async send(request, credentials, signal) {
    if (credentials.provider !== 'mailgun') return noKey;
    if (!request.email?.subject) return noSubject;
    if (!isOneMailbox(request.to) || !isOneMailbox(request.from)) return notOneMailbox;
    let response: Response;
    try {
      response = await fetch(`${baseUrl.replace(/\/+$/, '')}/v3/${encodeURIComponent(credentials.domain)}/messages`, {
        method: 'POST',
        headers: { authorization: authorizationOf(credentials), accept: 'application/json' },
        body: mailgunMessageForm(request),
        signal,
      });
    } catch (error) {
      return transportOutcome(error, 'Mailgun');
    }
    try {
      return classifyMailgunAnswer(response.status, response.headers, await readAnswer(response));
    } catch (error) {
      return transportOutcome(error, 'Mailgun');
    }
  },
  defaultRate: emailRate,
  costOf: () => 1,
});
