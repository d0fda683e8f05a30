import type { ProviderSender, SendOutcome, SendRequest } from '../../core/outbound.ts';
import { threadingHeaders } from '../email/reply.ts';
import { isOneMailbox } from '../../core/email-reply.ts';
import { emailFailure, emailRate, noSubject, notOneMailbox, readAnswer, throttleSecondsOf } from '../email/send-answers.ts';
import { transportOutcome } from '../senders.ts';
import { correlationParam } from '../twilio/status-callback.ts';

/**
 * SendGrid's send client: one `POST /v3/mail/send` per message, JSON with a bearer API key,
 * answered 202 with the message's id in `X-Message-Id` and no body.
 * https://www.twilio.com/docs/sendgrid/api-reference/mail-send/mail-send
 */

export interface SendgridSenderOptions {
  /** @default 'https://api.sendgrid.com' */
  readonly baseUrl?: string;
}

/**
 * The custom arg that sends the sending address back in every event, so that receipts name the
 * inbox (sendgrid/events.ts reads it); our id goes as `correlationParam`, the name Twilio's
 * StatusCallback URLs use.
 */
export const sendingAddressArg = 'from';

/**
 * The Mail Send body of one message: text (and HTML) to one recipient, from the inbox, threaded
 * with In-Reply-To and References, its files base64 `attachments[]`. `custom_args` come back at
 * the top level of every Event Webhook event for the message
 * (https://www.twilio.com/docs/sendgrid/for-developers/tracking-events/event, "unique arguments").
 */
export const sendgridMailBody = (request: SendRequest) => {
  const email = request.email;
  const headers = email ? threadingHeaders(email) : {};
  const attachments = request.content.attachments ?? [];
  return {
    personalizations: [{ to: [{ email: request.to }] }],
    from: { email: request.from },
    subject: email?.subject ?? '',
    content: [{ type: 'text/plain', value: request.content.text ?? '' }, ...(email?.html !== undefined ? [{ type: 'text/html', value: email.html }] : [])],
    ...(Object.keys(headers).length > 0 && { headers }),
    custom_args: { [correlationParam]: request.messageId, [sendingAddressArg]: request.from },
    ...(attachments.length > 0 && {
      attachments: attachments.map((file) => ({ content: file.content.toString('base64'), type: file.contentType, filename: file.filename, disposition: 'attachment' })),
    }),
  };
};

/** SendGrid's error body: `{ errors: [{ message, field, help }] }`, its messages joined. */
const errorTextOf = (body: unknown): string | undefined => {
  const errors = typeof body === 'object' && body !== null && 'errors' in body && Array.isArray(body.errors) ? (body.errors as { message?: unknown; field?: unknown }[]) : [];
  const texts = errors.flatMap(({ message, field }) => (typeof message === 'string' ? [typeof field === 'string' && field !== '' ? `${field}: ${message}` : message] : []));
  return texts.length > 0 ? texts.join('; ') : undefined;
};

/**
 * Classifies SendGrid's answer to a Mail Send. 401 is a bad key; 403 a key without the Mail
 * Send permission or a From address that is not a verified sender; 429 carries the epoch second
 * its limit resets in X-RateLimit-Reset
 * (https://www.twilio.com/docs/sendgrid/api-reference/how-to-use-the-sendgrid-v3-api/rate-limits).
 */
export const classifySendgridAnswer = (status: number, headers: Headers, body: unknown, now = Date.now()): SendOutcome => {
  if (status >= 200 && status < 300) {
    const id = headers.get('x-message-id');
    // A 2xx is SendGrid taking the mail; without its id, the events name it by our custom arg.
    return id ? { kind: 'accepted', providerMessageId: id } : { kind: 'unknown', code: String(status), message: 'SendGrid answered without X-Message-Id' };
  }
  return emailFailure('SendGrid', status, errorTextOf(body), throttleSecondsOf(headers, now), {
    credentials: 'SendGrid refused the API key, or the key may not send mail, or the From address is not a verified sender: set a key with Mail Send access and verify the inbox address.',
  });
};

const noKey: SendOutcome = {
  kind: 'failed',
  category: 'credentials',
  code: 'credentials',
  message: 'the endpoint has no SendGrid API key',
  hint: "Set the endpoint's SendGrid API key with switchboard endpoint credentials --sendgrid-api-key.",
};

export const createSendgridSender = ({ baseUrl = 'https://api.sendgrid.com' }: SendgridSenderOptions = {}): ProviderSender => ({
  async send(request, credentials, signal) {
    if (credentials.provider !== 'sendgrid') return noKey;
    if (!request.email?.subject) return noSubject;
    if (!isOneMailbox(request.to) || !isOneMailbox(request.from)) return notOneMailbox;
    let response: Response;
    try {
      response = await fetch(`${baseUrl.replace(/\/+$/, '')}/v3/mail/send`, {
        method: 'POST',
        headers: { authorization: `Bearer ${credentials.apiKey}`, 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify(sendgridMailBody(request)),
        signal,
      });
    } catch (error) {
      return transportOutcome(error, 'SendGrid');
    }
    try {
      return classifySendgridAnswer(response.status, response.headers, await readAnswer(response));
    } catch (error) {
      return transportOutcome(error, 'SendGrid');
    }
  },
  defaultRate: emailRate,
  costOf: () => 1,
});
