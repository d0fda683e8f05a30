import { describe, expect, it } from 'vitest';
import { PermanentError } from '../../../../functions/core/errors.ts';
import type { NormalizedEvent, NormalizedMessage } from '../../../../functions/core/message.ts';
import {
  contextWamid,
  displayPhoneNumber,
  isoOfUnixSeconds,
  normalizedOf,
  phoneNumberId,
  unixSeconds,
  waId,
  wamid,
  whatsappMessage,
  whatsappMessages,
  whatsappPayload,
  whatsappStatuses,
  whatsappValue,
} from './builders.ts';

const onlyMessage = (events: NormalizedEvent[]): NormalizedMessage => {
  expect(events).toHaveLength(1);
  expect(events[0]?.kind).toBe('message');
  return events[0] as NormalizedMessage;
};

const inboundMessage = (content: Record<string, unknown>): NormalizedMessage =>
  onlyMessage(normalizedOf(whatsappMessages(whatsappMessage(content))));

describe('meta.normalize: WhatsApp messages', () => {
  it("turns the app dashboard's test text message into one inbound whatsapp message", () => {
    // The payload Meta's "Test" button sends for the messages field (WhatsApp > Configuration).
    // Prepare
    const payload = {
      object: 'whatsapp_business_account',
      entry: [
        {
          id: '0',
          changes: [
            {
              field: 'messages',
              value: {
                messaging_product: 'whatsapp',
                metadata: { display_phone_number: '16505551111', phone_number_id: '123456123' },
                contacts: [{ profile: { name: 'test user name' }, wa_id: '16315551181' }],
                messages: [{ from: '16315551181', id: 'ABGGFlA5Fpa', timestamp: '1504902988', type: 'text', text: { body: 'this is a text message' } }],
              },
            },
          ],
        },
      ],
    };

    // Act
    const events = normalizedOf(payload);

    // Assess
    expect(events).toEqual([
      {
        kind: 'message',
        channel: 'whatsapp',
        direction: 'inbound',
        providerMessageId: 'ABGGFlA5Fpa',
        businessAddress: '123456123',
        customerAddress: '16315551181',
        from: '16315551181',
        to: '16505551111',
        text: 'this is a text message',
        media: [],
        contentType: 'text',
        providerTimestamp: '2017-09-08T20:36:28.000Z',
      },
    ]);
  });

  it('keeps the message a text replies to, and a click-to-WhatsApp ad referral', () => {
    const referral = { source_url: 'https://fb.me/3cr4Wqqkv', source_type: 'ad', source_id: '120226305854810726', headline: 'Chat with us' };

    const message = inboundMessage({ type: 'text', text: { body: 'Is this in stock?' }, context: { from: displayPhoneNumber, id: contextWamid }, referral });

    expect(message.replyTo).toBe(contextWamid);
    expect(message.details).toEqual({ referral });
  });

  it('turns an image into its media id, mime type and caption, with the caption as text', () => {
    // https://developers.facebook.com/documentation/business-messaging/whatsapp/webhooks/reference/messages/image
    const image = { caption: 'Pink shoes', mime_type: 'image/jpeg', sha256: 'P8YJw0eQOQD1+6zlkKk2bYTA25cP2ONBeHy3XPBlDh8=', id: '1003383421387256' };

    const message = inboundMessage({ type: 'image', image });

    expect(message).toMatchObject({
      contentType: 'image',
      text: 'Pink shoes',
      media: [{ providerMediaId: '1003383421387256', contentType: 'image/jpeg', kind: 'image', caption: 'Pink shoes' }],
    });
  });

  it.each([
    ['audio', { mime_type: 'audio/ogg; codecs=opus', sha256: 'abc=', id: '1044279350877016', voice: true }],
    ['video', { mime_type: 'video/mp4', sha256: 'abc=', id: '1166846181421424', caption: 'Unboxing' }],
    ['document', { mime_type: 'application/pdf', sha256: 'abc=', id: '1003383421387256', filename: 'receipt.pdf', caption: 'My receipt' }],
    ['sticker', { mime_type: 'image/webp', sha256: 'abc=', id: '1392930838462924', animated: false }],
  ])('turns %s into a media item with its id and mime type', (type, media) => {
    const message = inboundMessage({ type, [type]: media });

    expect(message.contentType).toBe(type);
    expect(message.media).toHaveLength(1);
    expect(message.media[0]).toMatchObject({ providerMediaId: media.id, contentType: media.mime_type, kind: type });
    expect(message.media[0]?.filename).toBe('filename' in media ? media.filename : undefined);
    expect(message.text).toBe('caption' in media ? media.caption : '');
  });

  it('turns a location into coordinates in details and a readable text', () => {
    // https://developers.facebook.com/documentation/business-messaging/whatsapp/webhooks/reference/messages/location
    const location = { address: '1 Hacker Way, Menlo Park, CA 94025', latitude: 37.483307, longitude: -122.148981, name: 'Meta Headquarters', url: 'https://meta.com' };

    const message = inboundMessage({ type: 'location', location });

    expect(message.contentType).toBe('location');
    expect(message.text).toBe('📍 Meta Headquarters, 1 Hacker Way, Menlo Park, CA 94025 (37.483307, -122.148981)');
    expect(message.details).toEqual(location);
  });

  it('renders a location without a name as coordinates', () => {
    const message = inboundMessage({ type: 'location', location: { latitude: 1.2, longitude: -1.3 } });

    expect(message.text).toBe('📍 Location (1.2, -1.3)');
  });

  it('turns shared contacts into their names, keeping the cards in details', () => {
    const contacts = [
      { name: { formatted_name: 'Barbara J. Johnson', first_name: 'Barbara' }, phones: [{ phone: '+1 (940) 555-1234', wa_id: '19405551234', type: 'HOME' }] },
      { name: {}, phones: [{ phone: '+1 (650) 555-1234' }] },
    ];

    const message = inboundMessage({ type: 'contacts', contacts });

    expect(message.contentType).toBe('contacts');
    expect(message.text).toBe('👤 Barbara J. Johnson, +1 (650) 555-1234');
    expect(message.details).toEqual({ contacts });
  });

  it('turns a reply button tap into its title, with the button id', () => {
    // https://developers.facebook.com/documentation/business-messaging/whatsapp/webhooks/reference/messages/interactive
    const message = inboundMessage({
      context: { from: displayPhoneNumber, id: contextWamid },
      type: 'interactive',
      interactive: { type: 'button_reply', button_reply: { id: 'cancel-button', title: 'Cancel' } },
    });

    expect(message).toMatchObject({
      contentType: 'interactive',
      text: 'Cancel',
      replyTo: contextWamid,
      details: { reply: { type: 'button_reply', id: 'cancel-button', title: 'Cancel' } },
    });
  });

  it('turns a list choice into its title, with the row id and description', () => {
    const listReply = { id: 'priority_express', title: 'Priority Mail Express', description: 'Next Day to 2 Days' };

    const message = inboundMessage({ type: 'interactive', interactive: { type: 'list_reply', list_reply: listReply } });

    expect(message.text).toBe('Priority Mail Express');
    expect(message.details).toEqual({ reply: { type: 'list_reply', ...listReply } });
  });

  it("turns a Flow's answers (nfm_reply) into their parsed JSON", () => {
    // nyaruka/courier handlers/meta/testdata/wac/nfm_reply.json
    const nfmReply = { name: 'flow', body: 'Sent', response_json: '{"flow_token": "fl0w+t0k3n", "first_name": "Bob", "age": "32"}' };

    const message = inboundMessage({ type: 'interactive', interactive: { type: 'nfm_reply', nfm_reply: nfmReply } });

    expect(message.text).toBe('Sent');
    expect(message.details).toEqual({ reply: { type: 'nfm_reply', name: 'flow', response: { flow_token: 'fl0w+t0k3n', first_name: 'Bob', age: '32' } } });
  });

  it("keeps a Flow's answers as sent when they are not JSON", () => {
    const message = inboundMessage({ type: 'interactive', interactive: { type: 'nfm_reply', nfm_reply: { body: 'Sent', response_json: 'not {json' } } });

    expect(message.details).toEqual({ reply: { type: 'nfm_reply', response: 'not {json' } });
  });

  it('turns a template quick-reply button into its text and payload', () => {
    // nyaruka/courier handlers/meta/testdata/wac/button.json
    const message = inboundMessage({
      button: { payload: 'No-Button-Payload', text: 'No' },
      context: { from: waId, id: 'gBGGFmkiWVVPAgkgQkwi7IORac0' },
      type: 'button',
    });

    expect(message).toMatchObject({ contentType: 'button', text: 'No', replyTo: 'gBGGFmkiWVVPAgkgQkwi7IORac0', details: { payload: 'No-Button-Payload' } });
  });

  it('turns an order into a readable text with the order in details', () => {
    const order = { catalog_id: '194836987003835', product_items: [{ product_retailer_id: 'di9ozbzfi4', quantity: 2, item_price: 30, currency: 'USD' }] };

    const message = inboundMessage({ type: 'order', order });

    expect(message).toMatchObject({ contentType: 'order', text: '🛒 Order of 1 item(s)', details: { order } });
  });

  it('keeps an unsupported message with the error Meta gives for it', () => {
    // nyaruka/courier handlers/meta/testdata/wac/error_msg.json
    const errors = [{ code: 131051, details: 'Message type is not currently supported', title: 'Unsupported message type' }];

    const message = inboundMessage({ type: 'unsupported', errors });

    expect(message).toMatchObject({ providerMessageId: wamid, contentType: 'unsupported', text: '', media: [], details: { type: 'unsupported', errors } });
  });

  it('keeps a message of a type added after this code as unsupported, with its type', () => {
    const message = inboundMessage({ type: 'poll', poll: { question: 'Pizza?' } });

    expect(message).toMatchObject({ contentType: 'unsupported', details: { type: 'poll' } });
  });

  it('addresses a customer who hides their number by their business-scoped user id', () => {
    // nyaruka/courier handlers/meta/testdata/wac/hello_user_id_only.json
    const message = onlyMessage(
      normalizedOf(whatsappMessages({ from_user_id: 'US.13491208655302741918', id: wamid, timestamp: unixSeconds, type: 'text', text: { body: 'Hello World' } })),
    );

    expect(message).toMatchObject({ customerAddress: 'US.13491208655302741918', from: 'US.13491208655302741918' });
  });
});

describe('meta.normalize: WhatsApp reactions and other message types', () => {
  it('turns a reaction into a reaction on the message reacted to', () => {
    // https://developers.facebook.com/documentation/business-messaging/whatsapp/webhooks/reference/messages/reaction
    const events = normalizedOf(whatsappMessages(whatsappMessage({ type: 'reaction', reaction: { message_id: contextWamid, emoji: '👍' } })));

    expect(events).toEqual([
      {
        kind: 'reaction',
        channel: 'whatsapp',
        businessAddress: phoneNumberId,
        customerAddress: waId,
        eventId: wamid,
        providerMessageId: contextWamid,
        direction: 'inbound',
        emoji: '👍',
        providerTimestamp: isoOfUnixSeconds,
      },
    ]);
  });

  it('turns a removed reaction into a reaction without emoji', () => {
    const [event] = normalizedOf(whatsappMessages(whatsappMessage({ type: 'reaction', reaction: { message_id: contextWamid } })));

    expect(event).toMatchObject({ kind: 'reaction', providerMessageId: contextWamid });
    expect(event).not.toHaveProperty('emoji', expect.anything());
  });

  it("turns a customer's number change (system) into a notice", () => {
    const system = { body: 'User A changed from 16505551234 to 16505550000', wa_id: '16505550000', type: 'user_changed_number' };

    const events = normalizedOf(whatsappMessages(whatsappMessage({ type: 'system', system })));

    expect(events).toEqual([
      {
        kind: 'notice',
        eventId: wamid,
        name: 'whatsapp.system',
        channel: 'whatsapp',
        businessAddress: phoneNumberId,
        providerTimestamp: isoOfUnixSeconds,
        details: { customerAddress: waId, system },
      },
    ]);
  });
});

describe('meta.normalize: WhatsApp statuses', () => {
  // https://developers.facebook.com/documentation/business-messaging/whatsapp/webhooks/reference/messages/status
  const status = (overrides: Record<string, unknown>) => ({
    id: wamid,
    status: 'delivered',
    timestamp: unixSeconds,
    recipient_id: waId,
    pricing: { billable: true, pricing_model: 'PMP', category: 'utility' },
    ...overrides,
  });

  it.each([
    ['sent', 'sent'],
    ['delivered', 'delivered'],
    ['read', 'read'],
    ['played', 'read'],
  ])('turns a %s receipt into a %s status keyed by wamid and state', (providerStatus, expected) => {
    const events = normalizedOf(whatsappStatuses(status({ status: providerStatus })));

    expect(events).toEqual([
      {
        kind: 'status',
        channel: 'whatsapp',
        businessAddress: phoneNumberId,
        customerAddress: waId,
        eventId: `${wamid}:${providerStatus}`,
        providerMessageIds: [wamid],
        status: expected,
        providerStatus,
        providerTimestamp: isoOfUnixSeconds,
      },
    ]);
  });

  it('names our message by the biz_opaque_callback_data it was sent with', () => {
    // Prepare
    const receipt = status({ status: 'sent', biz_opaque_callback_data: 'msg_0123456789abcdef' });

    // Act
    const [event] = normalizedOf(whatsappStatuses(receipt));

    // Assess
    expect(event).toMatchObject({ kind: 'status', correlationId: 'msg_0123456789abcdef', providerMessageIds: [wamid], status: 'sent' });
  });

  it('turns a failed receipt into a failed status with the first error', () => {
    // nyaruka/courier handlers/meta/testdata/wac/error_status.json
    const errors = [{ code: 131014, title: 'Request for url https://URL.jpg failed with error: 404 (Not Found)' }];

    const [event] = normalizedOf(whatsappStatuses(status({ status: 'failed', errors })));

    expect(event).toMatchObject({
      kind: 'status',
      status: 'failed',
      eventId: `${wamid}:failed`,
      error: { code: '131014', message: 'Request for url https://URL.jpg failed with error: 404 (Not Found)' },
    });
  });

  it('keeps a receipt state it does not know as a notice', () => {
    const [event] = normalizedOf(whatsappStatuses(status({ status: 'deleted' })));

    expect(event).toMatchObject({ kind: 'notice', name: 'whatsapp.status', eventId: `${wamid}:deleted` });
  });

  it('refuses a status without a recipient as permanent', () => {
    expect(() => normalizedOf(whatsappStatuses(status({ recipient_id: undefined })))).toThrow(PermanentError);
  });
});

describe('meta.normalize: WhatsApp Business app echoes (smb_message_echoes)', () => {
  // https://developers.facebook.com/documentation/business-messaging/whatsapp/webhooks/reference/smb_message_echoes
  const echoes = (...messageEchoes: Record<string, unknown>[]) =>
    normalizedOf(whatsappPayload({ changes: [{ field: 'smb_message_echoes', value: whatsappValue({ message_echoes: messageEchoes }) }] }));
  const echo = (content: Record<string, unknown>) => ({ from: displayPhoneNumber, to: '+16505551234', id: wamid, timestamp: unixSeconds, ...content });

  it('turns a message sent from the app into an outbound message to the customer', () => {
    const events = echoes(echo({ type: 'text', text: { body: "Here's the info you requested! https://www.meta.com/quest/quest-3/" } }));

    expect(events).toEqual([
      {
        kind: 'message',
        channel: 'whatsapp',
        direction: 'outbound',
        providerMessageId: wamid,
        businessAddress: phoneNumberId,
        customerAddress: waId,
        from: displayPhoneNumber,
        to: waId,
        text: "Here's the info you requested! https://www.meta.com/quest/quest-3/",
        media: [],
        contentType: 'text',
        providerTimestamp: isoOfUnixSeconds,
      },
    ]);
  });

  it('turns a revoked message into a deletion and an edit into an edit with the new text', () => {
    const events = echoes(
      echo({ id: 'wamid.revoke', type: 'revoke', revoke: { original_message_id: contextWamid } }),
      echo({ id: 'wamid.edit', type: 'edit', edit: { original_message_id: contextWamid, message: { type: 'image', image: { caption: 'Updated image caption' } } } }),
    );

    expect(events).toMatchObject([
      { kind: 'revision', eventId: 'wamid.revoke', providerMessageId: contextWamid, action: 'deleted', customerAddress: waId },
      { kind: 'revision', eventId: 'wamid.edit', providerMessageId: contextWamid, action: 'edited', text: 'Updated image caption' },
    ]);
  });
});

describe('meta.normalize: WhatsApp batches', () => {
  it('returns every message and status of every change of every entry, in order', () => {
    const text = (id: string, body: string) => whatsappMessage({ id, type: 'text', text: { body } });
    const payload = whatsappPayload(
      {
        changes: [
          { value: whatsappValue({ messages: [text('wamid.A', 'first'), text('wamid.B', 'second')] }) },
          { value: whatsappValue({ statuses: [{ id: 'wamid.OUT', status: 'read', timestamp: unixSeconds, recipient_id: waId }] }) },
        ],
      },
      {
        id: '102290129340399',
        changes: [{ value: { ...whatsappValue({ messages: [text('wamid.C', 'third')] }), metadata: { display_phone_number: '15550783882', phone_number_id: '106540352242923' } } }],
      },
    );

    const events = normalizedOf(payload);

    expect(events.map((event) => [event.kind, 'providerMessageId' in event ? event.providerMessageId : event.eventId])).toEqual([
      ['message', 'wamid.A'],
      ['message', 'wamid.B'],
      ['status', 'wamid.OUT:read'],
      ['message', 'wamid.C'],
    ]);
    expect(events[3]).toMatchObject({ businessAddress: '106540352242923', to: '15550783882' });
  });

  it('yields a message repeated within one POST twice, with the same id, for the store to keep once', () => {
    // nyaruka/courier handlers/meta/testdata/wac/duplicate.json
    const message = whatsappMessage({ type: 'text', text: { body: 'Hello World' } });

    const events = normalizedOf(whatsappMessages(message, message));

    expect(events).toHaveLength(2);
    expect(events[0]).toEqual(events[1]);
  });

  it('turns account-level changes (template reviews) into notices', () => {
    const value = { event: 'APPROVED', message_template_id: 12345678, message_template_name: 'order_update', message_template_language: 'en_US', reason: 'NONE' };

    const events = normalizedOf(whatsappPayload({ changes: [{ field: 'message_template_status_update', value }] }));

    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ kind: 'notice', name: 'whatsapp.message_template_status_update', details: { value } });
    expect(events[0]?.kind === 'notice' && events[0].eventId).toMatch(/^message_template_status_update:/);
  });

  it('gives an account-level change the same id when Meta retries it', () => {
    const payload = whatsappPayload({ changes: [{ field: 'account_update', value: { phone_number: '15550783881', event: 'VERIFIED_ACCOUNT' } }] });

    const [first] = normalizedOf(payload);
    const [retried] = normalizedOf(payload);

    expect(first).toEqual(retried);
  });

  it('turns errors about the number into notices', () => {
    const error = { code: 131000, title: 'Something went wrong', message: 'Something went wrong', error_data: { details: 'Unknown error' } };

    const [event] = normalizedOf(whatsappPayload({ changes: [{ value: whatsappValue({ errors: [error] }) }] }));

    expect(event).toMatchObject({ kind: 'notice', name: 'whatsapp.error', businessAddress: phoneNumberId, details: error });
  });

  it.each([
    ['a change without metadata', whatsappPayload({ changes: [{ value: { messaging_product: 'whatsapp', messages: [] } }] })],
    ['a message without an id', whatsappMessages({ from: waId, type: 'text', text: { body: 'hi' } })],
    ['a message without a sender', whatsappMessages({ id: wamid, type: 'text', text: { body: 'hi' } })],
    ['a text whose body is not a string', whatsappMessages(whatsappMessage({ type: 'text', text: { body: 42 } }))],
    ['an entry without changes', { object: 'whatsapp_business_account', entry: [{ id: '1' }] }],
  ])('refuses %s as permanent', (_, payload) => {
    expect(() => normalizedOf(payload)).toThrow(PermanentError);
  });
});
