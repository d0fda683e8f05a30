import { describe, expect, it } from 'vitest';
import {
  applyFrame,
  bodyView,
  emptyState,
  eventsPath,
  holdsBackImages,
  imageChoicesOf,
  loadsImages,
  markSeen,
  mediaView,
  orderedConversations,
  parseSeen,
  reactionsView,
  safeHref,
  settingsOf,
  socketUrl,
  statusView,
  storedImageChoice,
  unreadCount,
  withConversations,
  withImageChoice,
  withMessages,
  type Conversation,
  type Message,
} from '../../inbox/model.js';

/** The inbox page's pure model (inbox/model.js), imported exactly as the browser loads it. */

const aConversation = (id: string, lastMessageAt: string, messageCount = 1): Conversation => ({
  id,
  channel: 'sms',
  customerAddress: '+14155550100',
  businessAddress: '+15005550006',
  lastMessageAt,
  lastMessagePreview: 'hi',
  messageCount,
});

const aMessage = (id: string, receivedAt: string, overrides: Partial<Message> = {}): Message => ({
  id,
  conversationId: 'conv_a',
  direction: 'inbound',
  text: `text of ${id}`,
  media: [],
  receivedAt,
  ...overrides,
});

const frame = (type: string, data: Record<string, unknown>, cursor: string) => ({ type, tenantId: 'acme', data, cursor });

describe('conversation list', () => {
  it('orders conversations by last activity, newest first, ties by id', () => {
    const state = withConversations(emptyState(), [
      aConversation('conv_old', '2026-11-01T10:00:00.000Z'),
      aConversation('conv_b', '2026-11-02T10:00:00.000Z'),
      aConversation('conv_new', '2026-11-03T10:00:00.000Z'),
      aConversation('conv_a', '2026-11-02T10:00:00.000Z'),
    ]);

    const ids = orderedConversations(state).map(({ id }) => id);

    expect(ids).toEqual(['conv_new', 'conv_a', 'conv_b', 'conv_old']);
  });

  it('counts the messages stored since the conversation was last opened here, all of them if never', () => {
    const conversation = aConversation('conv_a', '2026-11-01T10:00:00.000Z', 3);

    const before = unreadCount(conversation, {});
    const seen = markSeen({}, conversation);
    const afterOpening = unreadCount(conversation, seen);
    const afterTwoMore = unreadCount({ ...conversation, messageCount: 5 }, seen);

    expect(before).toBe(3);
    expect(seen).toEqual({ conv_a: 3 });
    expect(afterOpening).toBe(0);
    expect(afterTwoMore).toBe(2);
  });

  it('reads stored seen counts, and ignores storage that holds something else', () => {
    expect(parseSeen('{"conv_a":2,"conv_b":"x"}')).toEqual({ conv_a: 2 });
    expect(parseSeen('not json')).toEqual({});
    expect(parseSeen('[1]')).toEqual({});
    expect(parseSeen(null)).toEqual({});
  });
});

describe('frames', () => {
  it('moves a conversation up and raises its unread count on conversation.updated', () => {
    const state = withConversations(emptyState(), [aConversation('conv_a', '2026-11-01T10:00:00.000Z', 1), aConversation('conv_b', '2026-11-02T10:00:00.000Z', 1)]);
    const seen = { conv_a: 1, conv_b: 1 };

    const { state: next, refetch } = applyFrame(
      state,
      frame('conversation.updated', { ...aConversation('conv_a', '2026-11-03T10:00:00.000Z', 2), lastMessagePreview: 'new' }, '2026-11-03T10:00:00.001Z/conv_a'),
    );

    expect(refetch).toBeUndefined();
    expect(orderedConversations(next).map(({ id }) => id)).toEqual(['conv_a', 'conv_b']);
    expect(next.conversations.conv_a?.lastMessagePreview).toBe('new');
    expect(unreadCount(next.conversations.conv_a!, seen)).toBe(1);
    expect(next.cursor).toBe('2026-11-03T10:00:00.001Z/conv_a');
  });

  it('adds a created message to a loaded conversation in arrival order, and only once', () => {
    const state = withMessages(emptyState(), 'conv_a', [aMessage('msg_2', '2026-11-01T10:00:02.000Z'), aMessage('msg_1', '2026-11-01T10:00:01.000Z')]);
    const created = frame('message.created', aMessage('msg_3', '2026-11-01T10:00:03.000Z'), '2026-11-01T10:00:03.100Z/msg_3');

    const once = applyFrame(state, created).state;
    const twice = applyFrame(once, created).state;

    expect(state.messages.conv_a?.map(({ id }) => id)).toEqual(['msg_1', 'msg_2']);
    expect(once.messages.conv_a?.map(({ id }) => id)).toEqual(['msg_1', 'msg_2', 'msg_3']);
    expect(twice).toBe(once);
  });

  it('replaces an updated message whole, and never with an older frame of it', () => {
    const state = withMessages(emptyState(), 'conv_a', [aMessage('msg_1', '2026-11-01T10:00:01.000Z', { customerReaction: '👍' })]);
    const deleted = frame('message.updated', aMessage('msg_1', '2026-11-01T10:00:01.000Z', { text: '', deleted: true }), '2026-11-01T10:00:09.000Z/msg_1');
    const older = frame('message.updated', aMessage('msg_1', '2026-11-01T10:00:01.000Z', { text: 'edited' }), '2026-11-01T10:00:05.000Z/msg_1');

    const after = applyFrame(state, deleted).state;
    const afterLate = applyFrame(after, older).state;

    expect(after.messages.conv_a).toEqual([aMessage('msg_1', '2026-11-01T10:00:01.000Z', { text: '', deleted: true })]);
    expect(afterLate).toBe(after);
    expect(afterLate.cursor).toBe('2026-11-01T10:00:09.000Z/msg_1');
  });

  it('keeps no messages of a conversation not loaded yet, but moves the cursor', () => {
    const { state, refetch } = applyFrame(emptyState(), frame('message.created', aMessage('msg_1', '2026-11-01T10:00:01.000Z'), '2026-11-01T10:00:01.100Z/msg_1'));

    expect(state.messages).toEqual({});
    expect(refetch).toBeUndefined();
    expect(state.cursor).toBe('2026-11-01T10:00:01.100Z/msg_1');
  });

  it('asks for what a frame too large for the socket left out', () => {
    const state = withMessages(emptyState(), 'conv_a', []);

    const message = applyFrame(state, frame('message.created', { id: 'msg_1', conversationId: 'conv_a', truncated: true }, '2026-11-01T10:00:01.100Z/msg_1'));
    const conversation = applyFrame(state, frame('conversation.updated', { id: 'conv_a', truncated: true }, '2026-11-01T10:00:01.100Z/conv_a'));

    expect(message.refetch).toEqual({ conversationId: 'conv_a' });
    expect(message.state.messages.conv_a).toEqual([]);
    expect(conversation.refetch).toEqual({ conversations: true });
    expect(conversation.state.conversations).toEqual({});
  });

  it('ignores frames of other types', () => {
    const state = emptyState();

    const { state: next } = applyFrame(state, frame('pong', {}, ''));

    expect(next).toBe(state);
  });
});

describe('message display', () => {
  const conversation = aConversation('conv_a', '2026-11-01T10:00:00.000Z');
  const sent = (overrides: Partial<Message>) => aMessage('msg_1', '2026-11-01T10:00:01.000Z', { direction: 'outbound', ...overrides });

  it('shows the status of a sent message, with the error of a failed one', () => {
    expect(statusView(sent({ status: 'sent' }), conversation)).toEqual({ status: 'sent', label: 'sent' });
    expect(statusView(sent({ status: 'delivered' }), conversation)).toEqual({ status: 'delivered', label: 'delivered' });
    expect(statusView(sent({ status: 'read' }), conversation)).toEqual({ status: 'read', label: 'read' });
    expect(statusView(sent({ status: 'failed', statusError: { code: '30003', message: 'Unreachable handset' } }), conversation)).toEqual({
      status: 'failed',
      label: 'failed: 30003 Unreachable handset',
    });
    expect(statusView(sent({ status: 'failed' }), conversation)).toEqual({ status: 'failed', label: 'failed' });
    expect(statusView(sent({}), conversation)).toBeUndefined();
    expect(statusView(aMessage('msg_2', '2026-11-01T10:00:01.000Z', { status: 'read' }), conversation)).toBeUndefined();
  });

  it('shows the conversation watermark for messages sent before it, the later of it and a receipt', () => {
    const watermarked = { ...conversation, deliveredUpTo: '2026-11-01T10:00:05.000Z', readUpTo: '2026-11-01T10:00:02.000Z' };

    expect(statusView(sent({}), watermarked)?.status).toBe('read');
    expect(statusView(sent({ receivedAt: '2026-11-01T10:00:03.000Z' }), watermarked)?.status).toBe('delivered');
    expect(statusView(sent({ receivedAt: '2026-11-01T10:00:09.000Z', status: 'sent' }), watermarked)?.status).toBe('sent');
    expect(statusView(sent({ status: 'failed' }), watermarked)?.status).toBe('read');
  });

  it('shows media as thumbnails (images the agent chose to load), links, file names and provider media ids', () => {
    expect(mediaView({ url: 'https://cdn.example/a.jpg', contentType: 'image/jpeg', sizeBytes: 2048 }, true)).toEqual({ kind: 'image', label: 'image/jpeg (2 KB)', href: 'https://cdn.example/a.jpg' });
    expect(mediaView({ url: 'https://cdn.example/r.pdf', contentType: 'application/pdf', filename: 'r.pdf' })).toEqual({ kind: 'link', label: 'r.pdf', href: 'https://cdn.example/r.pdf' });
    expect(mediaView({ filename: 'invoice.pdf', sizeBytes: 3 * 1024 * 1024 })).toEqual({ kind: 'file', label: 'invoice.pdf (3.0 MB)' });
    expect(mediaView({ providerMediaId: '1234567890', kind: 'image' })).toEqual({ kind: 'provider-media', label: 'image: provider media id 1234567890' });
    expect(mediaView({ url: 'javascript:alert(1)', filename: 'x.html' })).toEqual({ kind: 'file', label: 'x.html' });
  });

  it("holds back a remote image by default: a placeholder with its kind, type and host, and no URL to fetch", () => {
    expect(mediaView({ url: 'https://cdn.example/a.jpg', contentType: 'image/jpeg', sizeBytes: 2048 })).toEqual({ kind: 'image-placeholder', label: 'image/jpeg (2 KB) from cdn.example' });
    expect(mediaView({ url: 'https://scontent.fbcdn.example/s.png', kind: 'sticker' })).toEqual({ kind: 'image-placeholder', label: 'sticker from scontent.fbcdn.example' });
    expect(mediaView({ url: 'https://cdn.example/b', kind: 'image', contentType: 'image/png' })).toEqual({ kind: 'image-placeholder', label: 'image, image/png from cdn.example' });
  });

  it('never loads an image over plain http, which the page does not allow: it is a link', () => {
    expect(mediaView({ url: 'http://cdn.example/a.jpg', contentType: 'image/jpeg' }, true)).toEqual({ kind: 'link', label: 'image/jpeg', href: 'http://cdn.example/a.jpg' });
  });

  it("loads a message's images once the agent chooses that message, its conversation, or always", () => {
    const withImage = aMessage('msg_1', '', { media: [{ url: 'https://cdn.example/a.jpg', contentType: 'image/jpeg' }] });
    const other = aMessage('msg_2', '', { conversationId: 'conv_b', media: withImage.media });
    const byDefault = imageChoicesOf(null);
    const forMessage = withImageChoice(byDefault, { messageId: 'msg_1' });
    const forConversation = withImageChoice(byDefault, { conversationId: 'conv_a' });
    const always = withImageChoice(byDefault, { always: true });

    expect([loadsImages(byDefault, withImage), loadsImages(byDefault, other)]).toEqual([false, false]);
    expect([loadsImages(forMessage, withImage), loadsImages(forMessage, other)]).toEqual([true, false]);
    expect([loadsImages(forConversation, withImage), loadsImages(forConversation, other)]).toEqual([true, false]);
    expect([loadsImages(always, withImage), loadsImages(always, other)]).toEqual([true, true]);
  });

  it('offers to load images only for a message that holds one back', () => {
    const choices = imageChoicesOf(null);
    const image = { url: 'https://cdn.example/a.jpg', contentType: 'image/jpeg' };

    expect(holdsBackImages(choices, aMessage('msg_1', '', { media: [image] }))).toBe(true);
    expect(holdsBackImages(withImageChoice(choices, { messageId: 'msg_1' }), aMessage('msg_1', '', { media: [image] }))).toBe(false);
    expect(holdsBackImages(choices, aMessage('msg_1', '', { media: [image], deleted: true }))).toBe(false);
    expect(holdsBackImages(choices, aMessage('msg_1', '', { media: [{ url: 'https://cdn.example/r.pdf', contentType: 'application/pdf' }] }))).toBe(false);
    expect(holdsBackImages(choices, aMessage('msg_1', ''))).toBe(false);
  });

  it('remembers only "always load images" in storage, and reads anything else as "ask"', () => {
    const always = withImageChoice(withImageChoice(imageChoicesOf(null), { messageId: 'msg_1' }), { always: true });

    expect(storedImageChoice(always)).toBe('always');
    expect(imageChoicesOf(storedImageChoice(always))).toEqual({ always: true, conversations: [], messages: [] });
    expect(storedImageChoice(withImageChoice(always, { always: false }))).toBe('ask');
    expect(imageChoicesOf('yes').always).toBe(false);
  });

  it('shows a deleted message as deleted, an edited one as edited, and both sides\' reactions', () => {
    expect(bodyView(aMessage('msg_1', '', { deleted: true, text: '' }))).toEqual({ text: 'This message was deleted', deleted: true, edited: false });
    expect(bodyView(aMessage('msg_1', '', { text: 'new', editedAt: '2026-11-01T10:00:00.000Z' }))).toEqual({ text: 'new', deleted: false, edited: true });
    expect(reactionsView(aMessage('msg_1', '', { customerReaction: '❤️', businessReaction: '👍' }))).toEqual(['customer ❤️', 'you 👍']);
    expect(reactionsView(aMessage('msg_1', ''))).toEqual([]);
  });

  it('links and loads only http(s) URLs', () => {
    expect(safeHref('https://cdn.example/a b.jpg')).toBe('https://cdn.example/a%20b.jpg');
    expect(safeHref('http://127.0.0.1/x')).toBe('http://127.0.0.1/x');
    expect(safeHref('javascript:alert(1)')).toBeUndefined();
    expect(safeHref('data:text/html,<script>alert(1)</script>')).toBeUndefined();
    expect(safeHref('/relative')).toBeUndefined();
    expect(safeHref(42)).toBeUndefined();
  });
});

describe('settings', () => {
  it('takes the token and base URLs from the query string first, then config.json, then the origin', () => {
    const local = settingsOf('?token=abc', 'http://127.0.0.1:3000', { ws: 'ws://127.0.0.1:3001' });
    const hosted = settingsOf('?token=abc&api=https://api.example/prod/&ws=wss://ws.example/prod', 'https://inbox.example', { ws: 'ws://ignored' });
    const bare = settingsOf('', 'https://inbox.example', {});

    expect(local).toEqual({ token: 'abc', api: 'http://127.0.0.1:3000', ws: 'ws://127.0.0.1:3001' });
    expect(hosted).toEqual({ token: 'abc', api: 'https://api.example/prod', ws: 'wss://ws.example/prod' });
    expect(bare).toEqual({ token: undefined, api: 'https://inbox.example', ws: undefined });
  });

  it('builds the socket and long-poll URLs with the token and cursor encoded', () => {
    expect(socketUrl('ws://127.0.0.1:3001', 'a.b+c')).toBe('ws://127.0.0.1:3001/?token=a.b%2Bc');
    expect(eventsPath('http://127.0.0.1:3000', '2026-11-01T10:00:00.000Z/msg_1', 20)).toBe(
      'http://127.0.0.1:3000/events?wait=20&limit=100&cursor=2026-11-01T10%3A00%3A00.000Z%2Fmsg_1',
    );
    expect(eventsPath('http://127.0.0.1:3000', null, 0)).toBe('http://127.0.0.1:3000/events?wait=0&limit=100');
  });
});
