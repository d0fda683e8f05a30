import { describe, expect, it, vi } from 'vitest';
import { answering } from '../../helpers/fetch-stub.ts';
import type { SendCredentials, SendRequest } from '../../../functions/core/outbound.ts';
import { classifyGraphError, createMetaSender, messagingMessageBody, whatsappMessageBody } from '../../../functions/providers/meta/send.ts';

const accessToken = 'EAAG-meta-access-token';
const credentials: SendCredentials = { provider: 'meta', accessToken };
const baseUrl = 'https://graph.test';
const sender = createMetaSender({ baseUrl, apiVersion: 'v23.0' });
const signal = new AbortController().signal;
const messageId = 'msg_0123456789abcdef';
const phoneNumberId = '106540352242922';
const pageId = '1477564302276431';

const request = (overrides: Partial<SendRequest> = {}): SendRequest => ({
  messageId,
  channel: 'whatsapp',
  from: phoneNumberId,
  to: '16505551234',
  content: { text: 'Your order shipped.' },
  statusCallbackUrl: 'https://hooks.example.com/webhooks/meta/ep_1',
  ...overrides,
});

const bodyOf = (built: ReturnType<typeof whatsappMessageBody>) => ('body' in built ? built.body : built.refusal);


const graphError = (status: number, error: Record<string, unknown>) => () => Response.json({ error: { type: 'OAuthException', fbtrace_id: 'Az8or2yhqkZfEZ-_4Qn_Bam', ...error } }, { status });


// https://developers.facebook.com/docs/whatsapp/cloud-api/reference/messages
describe('whatsappMessageBody', () => {
  const envelope = { messaging_product: 'whatsapp', recipient_type: 'individual', to: '16505551234', biz_opaque_callback_data: messageId };

  it('sends text without link previews, carrying our id as biz_opaque_callback_data', () => {
    expect(bodyOf(whatsappMessageBody(request()))).toEqual({ ...envelope, type: 'text', text: { body: 'Your order shipped.', preview_url: false } });
  });

  it.each([
    ['image/jpeg', 'image'],
    ['video/mp4', 'video'],
    ['application/pdf', 'document'],
  ])('sends %s media as a %s by link, with the text as its caption', (contentType, type) => {
    const content = { text: 'Your invoice', media: [{ url: 'https://cdn.example.com/file', contentType }] };

    expect(bodyOf(whatsappMessageBody(request({ content })))).toEqual({ ...envelope, type, [type]: { link: 'https://cdn.example.com/file', caption: 'Your invoice' } });
  });

  it('sends a template with its language and body parameters', () => {
    const template = { name: 'order_shipped', language: 'en_US', parameters: ['Ada', '#42'] };

    expect(bodyOf(whatsappMessageBody(request({ content: { template } })))).toEqual({
      ...envelope,
      type: 'template',
      template: {
        name: 'order_shipped',
        language: { code: 'en_US' },
        components: [{ type: 'body', parameters: [{ type: 'text', text: 'Ada' }, { type: 'text', text: '#42' }] }],
      },
    });
  });

  it('refuses two attachments, and audio with a caption, before calling Meta', () => {
    const audio = { url: 'https://cdn.example.com/a.ogg', contentType: 'audio/ogg' };

    expect(bodyOf(whatsappMessageBody(request({ content: { media: [audio, audio] } })))).toMatchObject({ kind: 'failed', category: 'permanent' });
    expect(bodyOf(whatsappMessageBody(request({ content: { text: 'listen', media: [audio] } })))).toMatchObject({ kind: 'failed', category: 'permanent' });
  });
});

// https://developers.facebook.com/docs/messenger-platform/reference/send-api/
describe('messagingMessageBody', () => {
  const messenger = (overrides: Partial<SendRequest> = {}) => request({ channel: 'messenger', from: pageId, to: '6842361215878961', ...overrides });

  it('replies with text as a RESPONSE, carrying our id as metadata', () => {
    expect(bodyOf(messagingMessageBody(messenger()))).toEqual({
      recipient: { id: '6842361215878961' },
      messaging_type: 'RESPONSE',
      message: { text: 'Your order shipped.', metadata: messageId },
    });
  });

  it('tags a reply past 24 hours HUMAN_AGENT', () => {
    expect(bodyOf(messagingMessageBody(messenger({ humanAgentTag: true })))).toMatchObject({ messaging_type: 'MESSAGE_TAG', tag: 'HUMAN_AGENT' });
  });

  it('sends one attachment by URL, not reusable', () => {
    const content = { media: [{ url: 'https://cdn.example.com/a.pdf', contentType: 'application/pdf' }] };

    expect(bodyOf(messagingMessageBody(messenger({ content })))).toMatchObject({
      message: { attachment: { type: 'file', payload: { url: 'https://cdn.example.com/a.pdf', is_reusable: false } }, metadata: messageId },
    });
  });

  it('refuses text with an attachment and templates, which the Send API cannot take', () => {
    const media = [{ url: 'https://cdn.example.com/a.jpg', contentType: 'image/jpeg' }];
    const template = { name: 'x', language: 'en', parameters: [] };

    expect(bodyOf(messagingMessageBody(messenger({ content: { text: 'look', media } })))).toMatchObject({ kind: 'failed', category: 'permanent' });
    expect(bodyOf(messagingMessageBody(messenger({ content: { template } })))).toMatchObject({ kind: 'failed', category: 'permanent' });
  });
});

describe('the Meta sender: send', () => {
  it('posts to the phone number id with the bearer token and takes the wamid', async () => {
    // Prepare
    const wamid = 'wamid.HBgLMTY1MDM4Nzk0MzkVAgARGBI3RjQ0QjY2NTgzRjY1MzY1OEYA';
    const calls = answering(() => Response.json({ messaging_product: 'whatsapp', contacts: [{ input: '16505551234', wa_id: '16505551234' }], messages: [{ id: wamid }] }));

    // Act
    const outcome = await sender.send(request(), credentials, signal);

    // Assess
    expect(outcome).toEqual({ kind: 'accepted', providerMessageId: wamid });
    expect(calls[0]?.url).toBe(`${baseUrl}/v23.0/${phoneNumberId}/messages`);
    expect(new Headers(calls[0]?.init.headers).get('authorization')).toBe(`Bearer ${accessToken}`);
  });

  it("takes the Send API's message_id for Messenger", async () => {
    answering(() => Response.json({ recipient_id: '6842361215878961', message_id: 'm_AG5Hz2Uq7tuwNEhXfYYKj8mJEM' }));

    const outcome = await sender.send(request({ channel: 'messenger', from: pageId, to: '6842361215878961' }), credentials, signal);

    expect(outcome).toEqual({ kind: 'accepted', providerMessageId: 'm_AG5Hz2Uq7tuwNEhXfYYKj8mJEM' });
  });

  it('never puts the access token in an outcome', async () => {
    answering(graphError(401, { code: 190, message: 'Invalid OAuth access token - Cannot parse access token' }));

    const outcome = await sender.send(request(), credentials, signal);

    expect(outcome).toMatchObject({ kind: 'failed', category: 'credentials', code: '190' });
    expect(JSON.stringify(outcome)).not.toContain(accessToken);
  });

  it('calls a refused connection temporary and an abort unknown', async () => {
    vi.stubGlobal('fetch', async () => {
      throw new TypeError('fetch failed', { cause: Object.assign(new Error('getaddrinfo ENOTFOUND graph.test'), { code: 'ENOTFOUND' }) });
    });
    const refused = await sender.send(request(), credentials, signal);
    vi.stubGlobal('fetch', async () => {
      throw new DOMException('This operation was aborted', 'AbortError');
    });
    const aborted = await sender.send(request(), credentials, signal);

    expect([refused.kind, aborted.kind]).toEqual(['temporary', 'unknown']);
  });
});

// https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes
// https://developers.facebook.com/docs/messenger-platform/error-codes
describe('classifyGraphError', () => {
  it.each([
    [401, 190, undefined, { kind: 'failed', category: 'credentials' }],
    [400, 102, undefined, { kind: 'failed', category: 'credentials' }],
    [400, 463, undefined, { kind: 'failed', category: 'credentials' }],
    [400, 467, undefined, { kind: 'failed', category: 'credentials' }],
    [400, 4, undefined, { kind: 'throttled' }],
    [400, 17, undefined, { kind: 'throttled' }],
    [400, 32, undefined, { kind: 'throttled' }],
    [400, 613, undefined, { kind: 'throttled' }],
    [400, 80007, undefined, { kind: 'throttled' }],
    [400, 130429, undefined, { kind: 'throttled' }],
    [400, 131056, undefined, { kind: 'throttled' }],
    [400, 131048, undefined, { kind: 'throttled' }],
    [400, 131047, undefined, { kind: 'failed', category: 'window' }],
    [400, 10, 2018278, { kind: 'failed', category: 'window', code: '10/2018278' }],
    [400, 551, 1545041, { kind: 'failed', category: 'window' }],
    [400, 131050, undefined, { kind: 'failed', category: 'opted-out' }],
    [400, 131026, undefined, { kind: 'failed', category: 'permanent' }],
    [400, 131021, undefined, { kind: 'failed', category: 'permanent' }],
    [400, 100, undefined, { kind: 'failed', category: 'permanent' }],
    [400, 131051, undefined, { kind: 'failed', category: 'permanent' }],
    [400, 131052, undefined, { kind: 'failed', category: 'permanent' }],
    [500, 1, undefined, { kind: 'unknown' }],
    [500, 2, undefined, { kind: 'unknown' }],
    [500, 131000, undefined, { kind: 'unknown' }],
    [503, 131016, undefined, { kind: 'unknown' }],
    [502, undefined, undefined, { kind: 'unknown', code: '502' }],
  ])('classifies HTTP %s code %s subcode %s as %o', (status, code, subcode, expected) => {
    const error = { ...(code !== undefined && { code }), ...(subcode !== undefined && { error_subcode: subcode }), message: 'Meta says no' };

    const outcome = classifyGraphError(status, error, undefined);

    expect(outcome).toMatchObject(expected);
    if (outcome.kind === 'failed') expect(outcome.hint.length).toBeGreaterThan(10);
  });

  it('keeps a Retry-After on a throttle', () => {
    expect(classifyGraphError(429, { code: 130429, message: 'Rate limit hit' }, 3)).toMatchObject({ kind: 'throttled', retryAfterSeconds: 3 });
  });
});

describe('the Meta sender: rates', () => {
  it('holds a WhatsApp number to 80 a second and a page or Instagram account to 300', () => {
    expect([sender.defaultRate('whatsapp', phoneNumberId), sender.defaultRate('messenger', pageId), sender.defaultRate('instagram', pageId)]).toEqual([
      { perSecond: 80 },
      { perSecond: 300 },
      { perSecond: 300 },
    ]);
  });

  it('costs Messenger audio or video 30 units, the share of its 10 a second', () => {
    const video = [{ url: 'https://cdn.example.com/v.mp4', contentType: 'video/mp4' }];

    expect([
      sender.costOf({ channel: 'messenger', content: { media: video } }),
      sender.costOf({ channel: 'messenger', content: { text: 'hi' } }),
      sender.costOf({ channel: 'whatsapp', content: { media: video } }),
    ]).toEqual([30, 1, 1]);
  });
});
