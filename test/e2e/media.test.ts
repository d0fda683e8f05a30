import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { metaJson, newWamid, signedMetaRequest } from '../../functions/providers/meta/sample.ts';
import { inboundParseFields, inboundParseRequest } from '../../functions/providers/sendgrid/sample.ts';
import { inboundSmsFields, signedTwilioRequest, twilioSid } from '../../functions/providers/twilio/sample.ts';
import { startLocalStackProcess, tenantSocket, type LocalStackProcess } from '../helpers/local-stack.ts';
import type { RecordingSocket } from '../helpers/sockets.ts';

/**
 * Inbound media kept, as a user runs it: `npm start`, endpoints with send credentials set by
 * the CLI, the stack's own Graph and Twilio stand-ins serving the customers' files (registered
 * through their control route), a webhook naming them, then the frames on the tenant's socket
 * and the signed links the query API hands out.
 */

interface Endpoint {
  readonly endpointId: string;
  readonly url: string;
}
interface MediaView {
  readonly state?: string;
  readonly failure?: string;
  readonly contentType?: string;
  readonly sizeBytes?: number;
  readonly link?: string;
  readonly linkExpiresAt?: string;
  readonly url?: string;
  readonly storedKey?: string;
}
interface MessageView {
  readonly id: string;
  readonly conversationId: string;
  readonly providerMessageId: string;
  readonly media: MediaView[];
}

const appSecret = 'acme-meta-app-secret';
const metaToken = 'acme-meta-access-token';
const twilioAccountSid = `AC${randomBytes(16).toString('hex')}`;
const twilioAuthToken = 'acme-twilio-auth-token-0123456789';
const phoneNumberId = '106540352242922';
const parseCredential = 'parse-user:parse-password';
const customer = '16505551234';
// A 1×1 PNG: what the customer sent, whatever the webhook says it is.
const png = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==', 'base64');

let stack: LocalStackProcess;
let acmeMeta: Endpoint;
let acmeTwilio: Endpoint;
let acmeSendgrid: Endpoint;
let socket: RecordingSocket;
const tokens: Record<'acme' | 'globex', string> = { acme: '', globex: '' };

const graphStandIn = () => stack.description.providerApiBaseUrls.graphApiBaseUrl;
const twilioStandIn = () => stack.description.providerApiBaseUrls.twilioApiBaseUrl;

/** A customer's file on a stand-in, through its control route, as a developer would with curl. */
const putMedia = async (standIn: string, id: string, file: Record<string, unknown>) => {
  const response = await fetch(`${standIn}/_switchboard/media/${id}`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(file) });
  expect(response.status).toBe(201);
};

const whatsappMessage = (content: Record<string, unknown>) => ({ from: customer, id: newWamid(), timestamp: String(Math.floor(Date.now() / 1000)), ...content });

const postWhatsapp = async (...messages: Record<string, unknown>[]) => {
  const payload = {
    object: 'whatsapp_business_account',
    entry: [{ id: '102290129340398', changes: [{ field: 'messages', value: { messaging_product: 'whatsapp', metadata: { display_phone_number: '15550783881', phone_number_id: phoneNumberId }, contacts: [{ profile: { name: 'Sheena Nelson' }, wa_id: customer }], messages } }] }],
  };
  const signed = signedMetaRequest(appSecret, metaJson(payload));
  const response = await fetch(acmeMeta.url, { method: 'POST', body: signed.body, headers: signed.headers });
  expect(response.status).toBe(200);
};

const get = async (path: string, tenant: 'acme' | 'globex') => fetch(`${stack.description.httpUrl}${path}`, { headers: { authorization: `Bearer ${tokens[tenant]}` } });

const messagesOf = async (conversationId: string, tenant: 'acme' | 'globex' = 'acme'): Promise<MessageView[]> => {
  const response = await get(`/conversations/${conversationId}/messages?limit=100`, tenant);
  expect(response.status).toBe(200);
  return ((await response.json()) as { messages: MessageView[] }).messages;
};

const frameAbout = (type: string, providerMessageId: string, also: (data: MessageView) => boolean = () => true) =>
  socket.waitFor((frame) => frame.type === type && (frame.data as MessageView).providerMessageId === providerMessageId && also(frame.data as MessageView), 60_000);

beforeAll(async () => {
  stack = await startLocalStackProcess();
  acmeMeta = JSON.parse(await stack.cli(['endpoint', 'add', '--provider', 'meta', '--tenant', 'acme', '--secret', appSecret, '--verify-token', 'acme-verify'])) as Endpoint;
  await stack.cli(['endpoint', 'credentials', acmeMeta.endpointId, '--meta-access-token', metaToken]);
  acmeTwilio = JSON.parse(await stack.cli(['endpoint', 'add', '--provider', 'twilio', '--tenant', 'acme', '--secret', twilioAuthToken])) as Endpoint;
  await stack.cli(['endpoint', 'credentials', acmeTwilio.endpointId, '--twilio-account-sid', twilioAccountSid, '--twilio-auth-token', twilioAuthToken]);
  acmeSendgrid = JSON.parse(await stack.cli(['endpoint', 'add', '--provider', 'sendgrid', '--tenant', 'acme', '--secret', parseCredential])) as Endpoint;
  tokens.acme = (await stack.cli(['token', '--tenant', 'acme'])).trim();
  tokens.globex = (await stack.cli(['token', '--tenant', 'globex'])).trim();
  socket = await tenantSocket(stack, 'acme');
}, 120_000);

afterAll(async () => {
  await socket?.close();
  await stack?.stop();
});

describe('inbound media kept in storage', () => {
  let kept: MessageView;

  it('turns a WhatsApp image id into a stored file of the type its bytes say, served by a working signed link', async () => {
    // Prepare
    const mediaId = '1013859600285441';
    await putMedia(graphStandIn(), mediaId, { contentType: 'image/png', base64: png.toString('base64') });
    // The webhook calls it a JPEG: the bytes decide.
    const message = whatsappMessage({ type: 'image', image: { id: mediaId, mime_type: 'image/jpeg', caption: 'my receipt' } });

    // Act
    await postWhatsapp(message);
    const created = await frameAbout('message.created', message.id);
    const updated = await frameAbout('message.updated', message.id, (data) => data.media[0]?.state !== 'pending');
    const stored = await messagesOf((created.data as MessageView).conversationId);
    kept = stored[0] as MessageView;

    // Assess
    expect(stored).toHaveLength(1);
    expect((created.data as MessageView).media[0]?.state).toBe('pending');
    expect((updated.data as MessageView).media[0]).toMatchObject({ state: 'ready', contentType: 'image/png', sizeBytes: png.length });
    const [file] = kept?.media ?? [];
    expect(file).toMatchObject({ state: 'ready', contentType: 'image/png', sizeBytes: png.length, caption: 'my receipt' });
    expect(file?.storedKey).toBeUndefined();
    expect(Date.parse(file?.linkExpiresAt ?? '') - Date.now()).toBeGreaterThan(14 * 60_000);
    const download = await fetch(file?.link ?? '');
    expect(download.status).toBe(200);
    expect(download.headers.get('content-type')).toBe('image/png');
    expect(Buffer.from(await download.arrayBuffer()).equals(png)).toBe(true);
  });

  it('settles an expired file failed with its reason, while the message and the others of its request are stored and broadcast without waiting', async () => {
    // Prepare
    const expiredId = '2013859600285442';
    await putMedia(graphStandIn(), expiredId, { contentType: 'image/png', base64: png.toString('base64'), fault: 'expired' });
    const withExpired = whatsappMessage({ type: 'image', image: { id: expiredId, mime_type: 'image/png' } });
    const text = whatsappMessage({ type: 'text', text: { body: 'did you get my photo?' } });

    // Act
    await postWhatsapp(withExpired, text);
    const created = await frameAbout('message.created', withExpired.id);
    const textCreated = await frameAbout('message.created', text.id);
    const settled = await frameAbout('message.updated', withExpired.id, (data) => data.media[0]?.state !== 'pending');

    // Assess
    expect((created.data as MessageView).media[0]?.state).toBe('pending');
    expect(Number(textCreated.cursor)).toBeLessThan(Number(settled.cursor));
    expect((settled.data as MessageView).media[0]).toMatchObject({ state: 'failed', failure: 'http_404' });
  });

  it('refuses a 50 MB MMS file by the size cap, fetched with the account’s credentials through Twilio’s redirect', async () => {
    // Prepare
    const messageSid = twilioSid('MM');
    const mediaSid = `ME${randomBytes(16).toString('hex')}`;
    const small = `ME${randomBytes(16).toString('hex')}`;
    await putMedia(twilioStandIn(), mediaSid, { contentType: 'video/mp4', sizeBytes: 50 * 1024 * 1024 });
    await putMedia(twilioStandIn(), small, { contentType: 'image/png', base64: png.toString('base64') });
    const mediaUrl = (sid: string) => `${twilioStandIn()}/2010-04-01/Accounts/${twilioAccountSid}/Messages/${messageSid}/Media/${sid}`;
    const fields = inboundSmsFields({
      MessageSid: messageSid,
      AccountSid: twilioAccountSid,
      NumMedia: '2',
      MediaUrl0: mediaUrl(mediaSid),
      MediaContentType0: 'video/mp4',
      MediaUrl1: mediaUrl(small),
      MediaContentType1: 'image/png',
    });
    const signed = signedTwilioRequest(acmeTwilio.url, twilioAuthToken, fields);

    // Act
    expect((await fetch(acmeTwilio.url, { method: 'POST', body: signed.body, headers: signed.headers })).status).toBe(200);
    const settled = await frameAbout('message.updated', messageSid, (data) => data.media.every((item) => item.state !== 'pending'));

    // Assess
    expect((settled.data as MessageView).media.map(({ state, failure, contentType }) => ({ state, failure, contentType }))).toEqual([
      { state: 'failed', failure: 'too_large', contentType: 'video/mp4' },
      { state: 'ready', failure: undefined, contentType: 'image/png' },
    ]);
    // Without the account's credentials, the stand-in refuses the media URL, as Twilio does with media auth on.
    expect((await fetch(mediaUrl(small))).status).toBe(401);
  });

  it('keeps an email’s attachment from the request it came in, needing no provider at all', async () => {
    // Prepare
    const pdf = Buffer.from('%PDF-1.7\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n');
    const fields = inboundParseFields({ text: 'the invoice, attached', subject: `Invoice ${randomBytes(4).toString('hex')}` });
    const request = inboundParseRequest(
      [...fields.filter(({ name }) => name !== 'attachments'), { name: 'attachments', bytes: Buffer.from('1') }, { name: 'attachment1', filename: 'invoice.pdf', contentType: 'application/pdf', bytes: pdf }],
      parseCredential,
    );

    // Act
    expect((await fetch(acmeSendgrid.url, { method: 'POST', body: request.body, headers: request.headers })).status).toBe(200);
    const settled = await socket.waitFor(
      (frame) => frame.type === 'message.updated' && ((frame.data as MessageView).media ?? []).some((item) => item.state === 'ready' && item.contentType === 'application/pdf'),
      60_000,
    );
    const [kept] = (await messagesOf((settled.data as MessageView).conversationId)).filter(({ id }) => id === (settled.data as MessageView).id);
    const download = await fetch(kept?.media[0]?.link ?? '');

    // Assess
    expect(kept?.media[0]).toMatchObject({ state: 'ready', contentType: 'application/pdf', sizeBytes: pdf.length, filename: 'invoice.pdf' });
    expect(Buffer.from(await download.arrayBuffer()).equals(pdf)).toBe(true);
  });

  it('never lets another tenant list the file, nor turn a link into one of another key', async () => {
    // Act
    const otherTenant = await get(`/conversations/${kept.conversationId}/messages`, 'globex');
    const link = new URL(kept.media[0]?.link ?? '');
    const elsewhere = new URL(link);
    elsewhere.pathname = link.pathname.replace('/media/acme/', '/media/globex/');

    // Assess
    expect(otherTenant.status).toBe(404);
    expect((await fetch(elsewhere)).status).toBe(403);
  });
});
