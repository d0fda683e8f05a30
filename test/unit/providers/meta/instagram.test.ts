import { describe, expect, it } from 'vitest';
import type { NormalizedEvent } from '../../../../functions/core/message.ts';
import { fromCustomer, igAccountId, igsid, isoOfMilliseconds, messagingPayload, milliseconds, normalizedOf } from './builders.ts';

// Payload shapes from the Instagram messaging webhook examples:
// https://developers.facebook.com/docs/instagram-platform/webhooks/examples
const mid = 'aWdfZAG1faXRlbToxOklHTWVzc2FnZAUlEOjE3ODQxNDAwMDAwMDAwMDAwOjM0MDI4MjM2Njg0MTcxMDMwMTI0NDI3NjAxNzk4NTQ5OTQ4ODQ3Mg';
const cdn = 'https://lookaside.fbsbx.com/ig_messaging_cdn/?asset_id=17890000000000000&signature=abc';

const instagram = (...events: Record<string, unknown>[]): NormalizedEvent[] => normalizedOf(messagingPayload('instagram', igAccountId, events));
const fromIgsid = (event: Record<string, unknown>) => fromCustomer(igsid, igAccountId, event);

describe('meta.normalize: Instagram messages', () => {
  it('turns a text message into one inbound instagram message to the professional account', () => {
    const events = instagram(fromIgsid({ message: { mid, text: 'Do you ship to Lisbon?' } }));

    expect(events).toEqual([
      {
        kind: 'message',
        channel: 'instagram',
        direction: 'inbound',
        providerMessageId: mid,
        businessAddress: igAccountId,
        customerAddress: igsid,
        from: igsid,
        to: igAccountId,
        text: 'Do you ship to Lisbon?',
        media: [],
        contentType: 'text',
        providerTimestamp: isoOfMilliseconds,
      },
    ]);
  });

  it.each(['image', 'video', 'audio', 'file', 'share', 'story_mention', 'ig_reel', 'reel'])(
    'turns a %s attachment into media of that kind with its CDN URL',
    (type) => {
      const [event] = instagram(fromIgsid({ message: { mid, attachments: [{ type, payload: { url: cdn } }] } }));

      expect(event).toMatchObject({ kind: 'message', contentType: type, media: [{ url: cdn, kind: type }] });
    },
  );

  it('keeps the title of a shared reel as the caption of its media', () => {
    const reel = { type: 'ig_reel', payload: { reel_video_id: '17900000000000000', title: 'Spring collection', url: cdn } };

    const [event] = instagram(fromIgsid({ message: { mid, attachments: [reel] } }));

    expect(event).toMatchObject({ media: [{ url: cdn, kind: 'ig_reel', caption: 'Spring collection' }] });
  });

  it('turns a story reply into a story_reply message with the story as media and details', () => {
    const story = { url: cdn, id: '17950000000000000' };

    const [event] = instagram(fromIgsid({ message: { mid, text: 'Love this!', reply_to: { story } } }));

    expect(event).toMatchObject({ contentType: 'story_reply', text: 'Love this!', media: [{ url: cdn, kind: 'story' }], details: { story } });
  });

  it('turns an unsent message (is_deleted) into a deleted revision', () => {
    const events = instagram(fromIgsid({ message: { mid, is_deleted: true } }));

    expect(events).toEqual([
      {
        kind: 'revision',
        channel: 'instagram',
        businessAddress: igAccountId,
        customerAddress: igsid,
        eventId: `${mid}:deleted`,
        providerMessageId: mid,
        action: 'deleted',
        providerTimestamp: isoOfMilliseconds,
      },
    ]);
  });

  it('keeps an unsupported message as unsupported', () => {
    const [event] = instagram(fromIgsid({ message: { mid, is_unsupported: true } }));

    expect(event).toMatchObject({ kind: 'message', contentType: 'unsupported', text: '' });
  });

  it('turns an echo into an outbound message to the customer', () => {
    const [event] = instagram({ sender: { id: igAccountId }, recipient: { id: igsid }, timestamp: milliseconds, message: { mid, text: 'Yes!', is_echo: true } });

    expect(event).toMatchObject({ direction: 'outbound', businessAddress: igAccountId, customerAddress: igsid, from: igAccountId, to: igsid });
  });

  it('turns the echo of a message Switchboard sent into its sent status, and keeps an echo with other metadata a message', () => {
    const echo = (metadata: string) =>
      instagram({ sender: { id: igAccountId }, recipient: { id: igsid }, timestamp: milliseconds, message: { mid, text: 'Yes!', is_echo: true, metadata } });

    const [ours] = echo('msg_0123456789abcdef');
    const [theirs] = echo('campaign:7');

    expect(ours).toMatchObject({ kind: 'status', channel: 'instagram', correlationId: 'msg_0123456789abcdef', eventId: `${mid}#echo`, status: 'sent' });
    expect(theirs).toMatchObject({ kind: 'message', direction: 'outbound', providerMessageId: mid });
  });

  it('turns an icebreaker tap (postback) into a postback message', () => {
    const [event] = instagram(fromIgsid({ postback: { mid, title: 'What are your hours?', payload: 'HOURS' } }));

    expect(event).toMatchObject({ kind: 'message', contentType: 'postback', text: 'What are your hours?', details: { payload: 'HOURS' } });
  });
});

describe('meta.normalize: Instagram reactions and receipts', () => {
  it('turns a reaction into a reaction with its emoji', () => {
    const [event] = instagram(fromIgsid({ reaction: { mid, action: 'react', reaction: 'love', emoji: '❤️' } }));

    expect(event).toMatchObject({ kind: 'reaction', channel: 'instagram', providerMessageId: mid, emoji: '❤️' });
  });

  it('turns a seen receipt (messaging_seen) into a read status of that mid', () => {
    const [event] = instagram(fromIgsid({ read: { mid } }));

    expect(event).toMatchObject({ kind: 'status', status: 'read', providerMessageIds: [mid], eventId: `${igsid}:read:${mid}` });
    expect(event).not.toHaveProperty('watermark', expect.anything());
  });

  it('turns comment changes into notices', () => {
    const value = { from: { id: igsid, username: 'sheena' }, media: { id: '17890000000000001' }, id: '17860000000000000', text: 'Wow' };

    const events = normalizedOf({ object: 'instagram', entry: [{ id: igAccountId, time: milliseconds, changes: [{ field: 'comments', value }] }] });

    expect(events).toMatchObject([{ kind: 'notice', name: 'instagram.comments', channel: 'instagram', businessAddress: igAccountId }]);
  });
});
