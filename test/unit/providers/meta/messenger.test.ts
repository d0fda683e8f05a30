import { describe, expect, it } from 'vitest';
import { PermanentError } from '../../../../functions/core/errors.ts';
import type { NormalizedEvent } from '../../../../functions/core/message.ts';
import { fromCustomer, isoOfMilliseconds, messagingPayload, milliseconds, normalizedOf, pageId, psid } from './builders.ts';

// Payload shapes from the Messenger webhook events reference:
// https://developers.facebook.com/docs/messenger-platform/reference/webhook-events
const mid = 'm_AG5Hz2Uq7tuwNEhXfYYKj8mJEM_QPpz5jdCK48PnKAjSdjfipqxqMvK8ma6AC8fplwlqLP_5cgXIbu7I3rBN0P';

const messenger = (...events: Record<string, unknown>[]): NormalizedEvent[] => normalizedOf(messagingPayload('page', pageId, events));
const fromPsid = (event: Record<string, unknown>) => fromCustomer(psid, pageId, event);

describe('meta.normalize: Messenger messages', () => {
  it('turns a text message into one inbound messenger message between PSID and page', () => {
    // Act
    const events = messenger(fromPsid({ message: { mid, text: 'hello, world!' } }));

    // Assess
    expect(events).toEqual([
      {
        kind: 'message',
        channel: 'messenger',
        direction: 'inbound',
        providerMessageId: mid,
        businessAddress: pageId,
        customerAddress: psid,
        from: psid,
        to: pageId,
        text: 'hello, world!',
        media: [],
        contentType: 'text',
        providerTimestamp: isoOfMilliseconds,
      },
    ]);
  });

  it('keeps a quick reply payload and the message a reply answers', () => {
    const [event] = messenger(
      fromPsid({ message: { mid, text: 'Red', quick_reply: { payload: 'PICK_RED' }, reply_to: { mid: 'm_previous' } } }),
    );

    expect(event).toMatchObject({ contentType: 'quick_reply', text: 'Red', replyTo: 'm_previous', details: { quickReplyPayload: 'PICK_RED' } });
  });

  it('turns attachments into media with their CDN URLs, in order', () => {
    const attachments = [
      { type: 'image', payload: { url: 'https://scontent.xx.fbcdn.net/v/t1.15752-9/photo.jpg' } },
      { type: 'video', payload: { url: 'https://video.xx.fbcdn.net/v/t42.3356-2/clip.mp4' } },
      { type: 'audio', payload: { url: 'https://cdn.fbsbx.com/v/t59.3654-21/voice.mp4' } },
      { type: 'file', payload: { url: 'https://cdn.fbsbx.com/v/t59.2708-21/invoice.pdf' } },
    ];

    const [event] = messenger(fromPsid({ message: { mid, attachments } }));

    expect(event).toMatchObject({
      contentType: 'image',
      text: '',
      media: attachments.map(({ type, payload }) => ({ url: payload.url, kind: type })),
    });
  });

  it('turns a shared location into coordinates and a readable text', () => {
    // nyaruka/courier handlers/meta/testdata/fba/location_attachment.json
    const location = { type: 'location', payload: { coordinates: { lat: 1.2, long: -1.3 } } };

    const [event] = messenger(fromPsid({ message: { mid, attachments: [location] } }));

    expect(event).toMatchObject({ contentType: 'location', text: '📍 Location (1.2, -1.3)', media: [], details: { location: { latitude: 1.2, longitude: -1.3 } } });
  });

  it('turns a shared link (fallback) into its title, with the link in details', () => {
    // nyaruka/courier handlers/meta/testdata/fba/fallback.json
    const fallback = { type: 'fallback', title: 'Shared link', url: 'https://example.com/article', payload: null };

    const [event] = messenger(fromPsid({ message: { mid, attachments: [fallback] } }));

    expect(event).toMatchObject({ contentType: 'fallback', text: 'Shared link', media: [], details: { link: { title: 'Shared link', url: 'https://example.com/article' } } });
  });

  it('turns the like button (thumbs-up sticker) into 👍', () => {
    // nyaruka/courier handlers/meta/testdata/fba/thumbs_up.json
    const [event] = messenger(
      fromPsid({
        message: {
          mid,
          sticker_id: 369239263222822,
          attachments: [{ type: 'image', payload: { url: 'https://scontent.xx.fbcdn.net/v/t39.1997-6/39178562.png', sticker_id: 369239263222822 } }],
        },
      }),
    );

    expect(event).toMatchObject({ contentType: 'sticker', text: '👍', details: { stickerId: 369239263222822 } });
    expect(event?.kind === 'message' && event.media).toHaveLength(1);
  });

  it('turns an echo into an outbound message from the page, with the sending app', () => {
    const [event] = messenger({
      sender: { id: pageId },
      recipient: { id: psid },
      timestamp: milliseconds,
      message: { is_echo: true, app_id: 1517776481860111, metadata: 'agent:42', mid, text: 'We ship tomorrow.' },
    });

    expect(event).toMatchObject({
      kind: 'message',
      direction: 'outbound',
      businessAddress: pageId,
      customerAddress: psid,
      from: pageId,
      to: psid,
      text: 'We ship tomorrow.',
      details: { appId: 1517776481860111, metadata: 'agent:42' },
    });
  });

  it('turns the echo of a message Switchboard sent (its metadata our id) into its sent status, not a second message', () => {
    // Prepare
    const echo = { sender: { id: pageId }, recipient: { id: psid }, timestamp: milliseconds };

    // Act
    const events = messenger({ ...echo, message: { is_echo: true, app_id: 1517776481860111, metadata: 'msg_0123456789abcdef', mid, text: 'We ship tomorrow.' } });

    // Assess
    expect(events).toEqual([
      {
        kind: 'status',
        channel: 'messenger',
        businessAddress: pageId,
        customerAddress: psid,
        eventId: `${mid}#echo`,
        providerMessageIds: [mid],
        correlationId: 'msg_0123456789abcdef',
        status: 'sent',
        providerStatus: 'echo',
        providerTimestamp: isoOfMilliseconds,
      },
    ]);
  });

  it('keeps a template the page sent in details', () => {
    const template = { template_type: 'generic', elements: [{ title: 'Blue shirt', subtitle: '$20' }] };

    const [event] = messenger({
      sender: { id: pageId },
      recipient: { id: psid },
      timestamp: milliseconds,
      message: { is_echo: true, mid, attachments: [{ type: 'template', payload: template }] },
    });

    expect(event).toMatchObject({ contentType: 'template', media: [], details: { template } });
  });

  it('turns a postback into a postback message with its title and payload', () => {
    const [event] = messenger(fromPsid({ postback: { mid, title: 'Get Started', payload: 'GET_STARTED' } }));

    expect(event).toMatchObject({ kind: 'message', providerMessageId: mid, contentType: 'postback', text: 'Get Started', details: { payload: 'GET_STARTED' } });
  });

  it('identifies a postback without mid by customer, time and payload', () => {
    const [event] = messenger(fromPsid({ postback: { title: 'Get Started', payload: 'GET_STARTED' } }));

    expect(event).toMatchObject({ providerMessageId: `${psid}:${milliseconds}:GET_STARTED` });
  });
});

describe('meta.normalize: Messenger receipts, reactions and edits', () => {
  it('turns a delivery into a delivered status with its mids and watermark', () => {
    const events = messenger(fromPsid({ delivery: { mids: ['mid.1458668856218:ed81099e15d3f4f233'], watermark: 1458668856253 } }));

    expect(events).toEqual([
      {
        kind: 'status',
        channel: 'messenger',
        businessAddress: pageId,
        customerAddress: psid,
        eventId: `${psid}:delivery:1458668856253`,
        providerMessageIds: ['mid.1458668856218:ed81099e15d3f4f233'],
        watermark: '2016-03-22T17:47:36.253Z',
        status: 'delivered',
        providerStatus: 'delivery',
        providerTimestamp: isoOfMilliseconds,
      },
    ]);
  });

  it('turns a read into a read status with the watermark only', () => {
    const [event] = messenger(fromPsid({ read: { watermark: 1458668856253 } }));

    expect(event).toMatchObject({ kind: 'status', status: 'read', providerMessageIds: [], watermark: '2016-03-22T17:47:36.253Z', eventId: `${psid}:read:1458668856253` });
  });

  it('turns a reaction into a reaction with its emoji, and an unreaction into one without', () => {
    const events = messenger(
      fromPsid({ reaction: { reaction: 'love', emoji: '❤️', action: 'react', mid } }),
      { ...fromPsid({ reaction: { reaction: 'love', action: 'unreact', mid } }), timestamp: milliseconds + 1000 },
    );

    expect(events).toMatchObject([
      { kind: 'reaction', providerMessageId: mid, emoji: '❤️', direction: 'inbound', eventId: `${mid}:${psid}:react:${milliseconds}` },
      { kind: 'reaction', providerMessageId: mid, eventId: `${mid}:${psid}:unreact:${milliseconds + 1000}` },
    ]);
    expect(events[1]).not.toHaveProperty('emoji', expect.anything());
  });

  it('turns an edit into an edited revision with the new text', () => {
    const [event] = messenger(fromPsid({ message_edit: { mid, text: 'hello, world?', num_edit: 1 } }));

    expect(event).toMatchObject({ kind: 'revision', action: 'edited', providerMessageId: mid, text: 'hello, world?', eventId: `${mid}:edit:1` });
  });

  it.each([
    ['referral', { referral: { ref: 'summer-sale', source: 'SHORTLINK', type: 'OPEN_THREAD' } }],
    ['optin', { optin: { type: 'notification_messages', payload: 'bird-facts', notification_messages_token: '12345678901234567890', title: 'Bird Facts' } }],
    ['pass_thread_control', { pass_thread_control: { new_owner_app_id: '123456789', metadata: 'handing over' } }],
  ])('turns a %s into a notice that keeps the event', (name, event) => {
    const events = messenger(fromPsid(event));

    expect(events).toMatchObject([{ kind: 'notice', name: `messenger.${name}`, channel: 'messenger', businessAddress: pageId, details: fromPsid(event) }]);
    expect(events[0]?.kind === 'notice' && events[0].eventId).toMatch(new RegExp(`^${name}:`));
  });
});

describe('meta.normalize: Messenger batches', () => {
  it('returns the events of every entry, of messaging and standby, in order', () => {
    // hmuar/recappy-server dev_notes/fb_batched_request.js: two messaging items in one entry.
    const payload = {
      object: 'page',
      entry: [
        {
          id: pageId,
          time: milliseconds,
          messaging: [fromPsid({ message: { mid: 'm_1', text: 'one' } }), fromPsid({ message: { mid: 'm_2', text: 'two' } })],
        },
        { id: '2222222222222222', time: milliseconds, standby: [fromCustomer(psid, '2222222222222222', { message: { mid: 'm_3', text: 'three' } })] },
      ],
    };

    const events = normalizedOf(payload);

    expect(events).toMatchObject([
      { providerMessageId: 'm_1', businessAddress: pageId },
      { providerMessageId: 'm_2', businessAddress: pageId },
      { providerMessageId: 'm_3', businessAddress: '2222222222222222' },
    ]);
  });

  it('yields a mid repeated within one POST twice, with the same id', () => {
    // nyaruka/courier handlers/meta/testdata/fba/duplicate_msg.json
    const event = fromPsid({ message: { mid, text: 'Hello World' } });

    const events = messenger(event, event);

    expect(events).toHaveLength(2);
    expect(events[0]).toEqual(events[1]);
  });

  it('turns page feed changes into notices', () => {
    const value = { item: 'comment', verb: 'add', comment_id: '123_456', message: 'Nice!' };

    const events = normalizedOf({ object: 'page', entry: [{ id: pageId, time: milliseconds, changes: [{ field: 'feed', value }] }] });

    expect(events).toMatchObject([{ kind: 'notice', name: 'messenger.feed', businessAddress: pageId, details: { value } }]);
  });

  it.each([
    ['a message without mid', fromPsid({ message: { text: 'hi' } })],
    ['a message without sender', { recipient: { id: pageId }, timestamp: milliseconds, message: { mid, text: 'hi' } }],
    ['an event without timestamp', { sender: { id: psid }, recipient: { id: pageId }, message: { mid, text: 'hi' } }],
  ])('refuses %s as permanent', (_, event) => {
    expect(() => messenger(event)).toThrow(PermanentError);
  });
});
