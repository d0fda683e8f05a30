import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueToken } from '../../functions/core/tokens.ts';
import { mailgunSample } from '../../functions/providers/mailgun/sample.ts';
import { inboundParseFields, inboundParseRequest } from '../../functions/providers/sendgrid/sample.ts';
import { correlationParam } from '../../functions/providers/twilio/status-callback.ts';
import type { MailgunStandInMessage } from '../../lib/local/provider-standins/mailgun-api.ts';
import type { SendgridStandInMessage } from '../../lib/local/provider-standins/sendgrid-api.ts';
import { startLocalStackProcess, tenantSocket, type LocalStackProcess } from '../helpers/local-stack.ts';
import type { RecordingSocket } from '../helpers/sockets.ts';

/**
 * Email replies as a user sends them: `npm start`, a SendGrid and a Mailgun endpoint set up with
 * the CLI, a customer's mail through Inbound Parse and through a Mailgun route, a reply through
 * the send API, what the stack's own stand-ins were asked to send, and their signed event
 * webhooks closing the loop. The stand-ins bounce mail to `bounce@…` (mailbox-simulator.ts).
 */

interface EndpointOutput {
  endpointId: string;
  url: string;
}

const parseCredential = 'parse-user:parse-password';
const mailgunSigningKey = 'key-mailgun-signing-key';
const sendgridInbox = 'support@parse.example.com';
const mailgunInbox = 'support@mg.example.com';

let stack: LocalStackProcess;
let sendgridEndpoint: EndpointOutput;
let mailgunEndpoint: EndpointOutput;
let socket: RecordingSocket;
let jwt: string;

const sentBy = async <Message>(baseUrl: string): Promise<Message[]> => ((await (await fetch(`${baseUrl}/_switchboard/messages`)).json()) as { messages: Message[] }).messages;

/** An Inbound Parse mail from `from`, answering an earlier thread: its Message-ID, and the conversation it lands in. */
const mailThroughSendgrid = async (from: string, subject: string): Promise<{ messageId: string; conversationId: string }> => {
  const fields = inboundParseFields({ text: 'Where is my order?', from, to: sendgridInbox, subject }).map((field) =>
    field.name === 'headers' ? { ...field, bytes: Buffer.from(`${field.bytes.toString()}In-Reply-To: <b@example.com>\nReferences: <a@example.net> <b@example.com>\n`) } : field,
  );
  const messageId = /Message-ID: <([^>]+)>/.exec(fields.find((field) => field.name === 'headers')?.bytes.toString() ?? '')?.[1] ?? '';
  const { body, headers } = inboundParseRequest(fields, parseCredential);
  expect((await fetch(sendgridEndpoint.url, { method: 'POST', body, headers })).status).toBe(200);
  return { messageId, conversationId: await conversationOf(from) };
};

const mailThroughMailgun = async (from: string): Promise<{ messageId: string; conversationId: string }> => {
  const { body, headers } = mailgunSample({ url: mailgunEndpoint.url, secret: mailgunSigningKey, text: 'Can I change the address?', from, to: mailgunInbox });
  const messageId = (new URLSearchParams(body).get('Message-Id') ?? '').replace(/[<>]/g, '');
  expect((await fetch(mailgunEndpoint.url, { method: 'POST', body, headers })).status).toBe(200);
  return { messageId, conversationId: await conversationOf(from) };
};

const conversationOf = async (customer: string): Promise<string> => {
  const created = await socket.waitFor((frame) => frame.type === 'message.created' && (frame.data as { from?: string }).from === customer);
  return (created.data as { conversationId: string }).conversationId;
};

const reply = async (conversationId: string, body: Record<string, unknown>): Promise<string> => {
  const answer = await fetch(`${stack.description.httpUrl}/conversations/${conversationId}/messages`, {
    method: 'POST',
    headers: { authorization: `Bearer ${jwt}`, 'content-type': 'application/json', 'idempotency-key': randomUUID() },
    body: JSON.stringify(body),
  });
  expect(answer.status).toBe(202);
  return ((await answer.json()) as { id: string }).id;
};

const statusReached = (messageId: string, status: string) =>
  socket.waitFor((frame) => frame.type === 'message.updated' && (frame.data as { id?: string }).id === messageId && (frame.data as { status?: string }).status === status);

beforeAll(async () => {
  stack = await startLocalStackProcess();
  sendgridEndpoint = JSON.parse(await stack.cli(['endpoint', 'add', '--provider', 'sendgrid', '--tenant', 'acme', '--secret', parseCredential])) as EndpointOutput;
  mailgunEndpoint = JSON.parse(await stack.cli(['endpoint', 'add', '--provider', 'mailgun', '--tenant', 'acme', '--secret', mailgunSigningKey])) as EndpointOutput;
  await stack.cli(['endpoint', 'credentials', sendgridEndpoint.endpointId, '--sendgrid-api-key', 'SG.local-test-key']);
  await stack.cli(['endpoint', 'credentials', mailgunEndpoint.endpointId, '--mailgun-api-key', 'key-local-test', '--mailgun-domain', 'mg.example.com']);
  jwt = await issueToken('acme', stack.description.jwtSecret, 600);
  socket = await tenantSocket(stack, 'acme');
}, 90_000);

afterAll(async () => {
  await socket?.close();
  await stack?.stop();
});

describe('email replies through npm start', () => {
  it('replies to an Inbound Parse mail through SendGrid, threaded, and its events move it on to read', async () => {
    // Arrange
    const inbound = await mailThroughSendgrid('ana.ruiz@example.net', 'Order #1042');

    // Act
    const id = await reply(inbound.conversationId, { text: 'It ships today.', html: '<p>It ships today.</p>' });
    // Delivered and opened come a few milliseconds apart, and a status only moves forward: the
    // open (read) is where the loop ends, whichever of the two is stored first.
    await statusReached(id, 'read');

    // Assess
    const sent = (await sentBy<SendgridStandInMessage>(stack.description.providerApiBaseUrls.sendgridApiBaseUrl)).filter((mail) => mail.customArgs[correlationParam] === id);
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({
      from: sendgridInbox,
      to: 'ana.ruiz@example.net',
      subject: 'Re: Order #1042',
      text: 'It ships today.',
      html: '<p>It ships today.</p>',
      headers: { 'In-Reply-To': `<${inbound.messageId}>`, References: `<a@example.net> <b@example.com> <${inbound.messageId}>` },
    });
  });

  it('replies to a Mailgun route mail through Mailgun, text only, and its webhooks move it on to read', async () => {
    // Arrange
    const inbound = await mailThroughMailgun('bo.chen@example.org');

    // Act
    const id = await reply(inbound.conversationId, { text: 'Yes, send us the new one.' });
    // Delivered and opened come a few milliseconds apart, and a status only moves forward: the
    // open (read) is where the loop ends, whichever of the two is stored first.
    await statusReached(id, 'read');

    // Assess
    const sent = (await sentBy<MailgunStandInMessage>(stack.description.providerApiBaseUrls.mailgunApiBaseUrl)).filter((mail) => mail.variables[correlationParam] === id);
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({
      from: mailgunInbox,
      to: 'bo.chen@example.org',
      subject: 'Re: Where is order #1042?',
      text: 'Yes, send us the new one.',
      headers: { 'In-Reply-To': `<${inbound.messageId}>`, References: `<${inbound.messageId}>` },
    });
    expect(sent[0]).not.toHaveProperty('html');
  });

  it('ends a reply to an address that bounces as failed, with the receiving server’s reason', async () => {
    // Arrange
    const [throughSendgrid, throughMailgun] = [await mailThroughSendgrid('bounce@example.net', 'Re: Refund'), await mailThroughMailgun('bounce@example.org')];

    // Act
    const ids = [await reply(throughSendgrid.conversationId, { text: 'Refund sent.' }), await reply(throughMailgun.conversationId, { text: 'Address changed.' })];
    const failed = await Promise.all(ids.map((id) => statusReached(id, 'failed')));

    // Assess
    expect(failed.map((frame) => (frame.data as { statusError?: unknown }).statusError)).toEqual([
      { code: '5.1.1', message: '550 5.1.1 The email account that you tried to reach does not exist.' },
      { code: '550', message: '550 5.1.1 The email account that you tried to reach does not exist.' },
    ]);
    const sendgridMail = (await sentBy<SendgridStandInMessage>(stack.description.providerApiBaseUrls.sendgridApiBaseUrl)).find((mail) => mail.customArgs[correlationParam] === ids[0]);
    expect(sendgridMail?.subject).toBe('Re: Refund');
  });
});
