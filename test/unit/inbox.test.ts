import { describe, expect, it } from 'vitest';
import { issueToken } from '../../functions/core/tokens.ts';
import {
  bodyView,
  emptyInboxNotice,
  emptyState,
  eventsPath,
  hasGap,
  holdsBackImages,
  imageChoicesOf,
  loadsImages,
  markSeen,
  mediaView,
  orderedConversations,
  parseSeen,
  reactionsView,
  receiveAnswer,
  receiveFrame,
  refusedTokenNotice,
  safeHref,
  settingsOf,
  socketUrl,
  statusView,
  storedImageChoice,
  tokenClaims,
  transportLabel,
  unreadCount,
  withConversations,
  withCursor,
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
  /** The state after the initial GET /events: the feed's head. */
  const at = (cursor: string, state = emptyState()) => withCursor(state, cursor);

  it('moves a conversation up and raises its unread count on conversation.updated', () => {
    const state = at('4', withConversations(emptyState(), [aConversation('conv_a', '2026-11-01T10:00:00.000Z', 1), aConversation('conv_b', '2026-11-02T10:00:00.000Z', 1)]));
    const seen = { conv_a: 1, conv_b: 1 };

    const { state: next, refetches } = receiveFrame(state, frame('conversation.updated', { ...aConversation('conv_a', '2026-11-03T10:00:00.000Z', 2), lastMessagePreview: 'new' }, '5'));

    expect(refetches).toEqual([]);
    expect(orderedConversations(next).map(({ id }) => id)).toEqual(['conv_a', 'conv_b']);
    expect(next.conversations.conv_a?.lastMessagePreview).toBe('new');
    expect(unreadCount(next.conversations.conv_a!, seen)).toBe(1);
    expect(next.cursor).toBe('5');
  });

  it('adds a created message to a loaded conversation in arrival order, and applies a frame once, from the socket or the long-poll', () => {
    const state = at('9', withMessages(emptyState(), 'conv_a', [aMessage('msg_2', '2026-11-01T10:00:02.000Z'), aMessage('msg_1', '2026-11-01T10:00:01.000Z')]));
    const created = frame('message.created', aMessage('msg_3', '2026-11-01T10:00:03.000Z'), '10');

    const once = receiveFrame(state, created).state;
    const twice = receiveFrame(once, created).state;
    const polled = receiveAnswer(once, { frames: [created], cursor: '10' }).state;

    expect(state.messages.conv_a?.map(({ id }) => id)).toEqual(['msg_1', 'msg_2']);
    expect(once.messages.conv_a?.map(({ id }) => id)).toEqual(['msg_1', 'msg_2', 'msg_3']);
    expect(twice).toEqual(once);
    expect(polled).toEqual(once);
  });

  it('replaces an updated message whole, in feed order, and never applies an older place again', () => {
    const state = at('1', withMessages(emptyState(), 'conv_a', [aMessage('msg_1', '2026-11-01T10:00:01.000Z', { customerReaction: '👍' })]));
    const edited = frame('message.updated', aMessage('msg_1', '2026-11-01T10:00:01.000Z', { text: 'edited' }), '2');
    const deleted = frame('message.updated', aMessage('msg_1', '2026-11-01T10:00:01.000Z', { text: '', deleted: true }), '3');

    const after = receiveAnswer(state, { frames: [edited, deleted], cursor: '3' }).state;
    const afterLate = receiveFrame(after, edited).state;

    expect(after.messages.conv_a).toEqual([aMessage('msg_1', '2026-11-01T10:00:01.000Z', { text: '', deleted: true })]);
    expect(afterLate).toEqual(after);
    expect(afterLate.cursor).toBe('3');
  });

  it('holds a frame past a gap until the frames before it are fetched, then applies them all in order', () => {
    const state = at('1', withMessages(emptyState(), 'conv_a', []));
    const second = frame('message.created', aMessage('msg_2', '2026-11-01T10:00:02.000Z'), '2');
    const third = frame('message.created', aMessage('msg_3', '2026-11-01T10:00:03.000Z'), '3');
    const fourth = frame('message.updated', aMessage('msg_2', '2026-11-01T10:00:02.000Z', { text: 'edited' }), '4');

    const waiting = receiveFrame(receiveFrame(state, fourth).state, third).state;
    const filled = receiveAnswer(waiting, { frames: [second, third], cursor: '3' }).state;

    expect(hasGap(waiting)).toBe(true);
    expect(waiting.cursor).toBe('1');
    expect(waiting.messages.conv_a).toEqual([]);
    expect(hasGap(filled)).toBe(false);
    expect(filled.cursor).toBe('4');
    expect(filled.messages.conv_a).toEqual([aMessage('msg_2', '2026-11-01T10:00:02.000Z', { text: 'edited' }), aMessage('msg_3', '2026-11-01T10:00:03.000Z')]);
  });

  it('lets an answer whose cursor passes holes release the frames waiting behind them', () => {
    const state = at('1', withMessages(emptyState(), 'conv_a', []));
    const past = frame('message.created', aMessage('msg_5', '2026-11-01T10:00:05.000Z'), '5');

    const waiting = receiveFrame(state, past).state;
    const released = receiveAnswer(waiting, { frames: [], cursor: '4' }).state;

    expect(hasGap(waiting)).toBe(true);
    expect(released.cursor).toBe('5');
    expect(released.messages.conv_a?.map(({ id }) => id)).toEqual(['msg_5']);
  });

  it('compares cursors as numbers, not as text', () => {
    expect(withCursor(at('9'), '10').cursor).toBe('10');
    expect(withCursor(at('10'), '9').cursor).toBe('10');
  });

  it('keeps no messages of a conversation not loaded yet, but moves the cursor', () => {
    const { state, refetches } = receiveFrame(at('0'), frame('message.created', aMessage('msg_1', '2026-11-01T10:00:01.000Z'), '1'));

    expect(state.messages).toEqual({});
    expect(refetches).toEqual([]);
    expect(state.cursor).toBe('1');
  });

  it('asks for what a frame too large for the socket left out', () => {
    const state = at('0', withMessages(emptyState(), 'conv_a', []));

    const message = receiveFrame(state, frame('message.created', { id: 'msg_1', conversationId: 'conv_a', truncated: true }, '1'));
    const conversation = receiveFrame(state, frame('conversation.updated', { id: 'conv_a', truncated: true }, '1'));

    expect(message.refetches).toEqual([{ conversationId: 'conv_a' }]);
    expect(message.state.messages.conv_a).toEqual([]);
    expect(conversation.refetches).toEqual([{ conversations: true }]);
    expect(conversation.state.conversations).toEqual({});
  });

  it('ignores frames without a place in the feed', () => {
    const state = at('0');

    const { state: next } = receiveFrame(state, frame('pong', {}, ''));

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
    expect(eventsPath('http://127.0.0.1:3000', '1042', 20)).toBe('http://127.0.0.1:3000/events?wait=20&limit=100&cursor=1042');
    expect(eventsPath('http://127.0.0.1:3000', null, 0)).toBe('http://127.0.0.1:3000/events?wait=0&limit=100');
  });
});

describe('what the page says about its token and an empty inbox', () => {
  const now = Date.parse('2026-11-22T12:00:00.000Z');

  it('reads the tenant and expiry a token claims, and nothing from what is not a token', async () => {
    const token = await issueToken('acme', 'any-secret', 3600);
    const { tenant, expiresAt } = tokenClaims(token);

    expect(tenant).toBe('acme');
    expect(expiresAt! - Date.now()).toBeGreaterThan(3_590_000);
    expect([tokenClaims(undefined), tokenClaims('not-a-jwt'), tokenClaims('a.!!!.c')]).toEqual([{}, {}, {}]);
  });

  it('says an expired token expired, and how to get a new one for its tenant', async () => {
    const expired = await issueToken('acme', 'any-secret', -60);

    expect(refusedTokenNotice(expired, Date.now())).toBe(
      'Your token expired: get a new one with npx switchboard token --tenant acme and open this page with ?token=<it> (or restart npm start for a fresh link).',
    );
  });

  it('says a token refused before its expiry is not accepted, naming what usually causes it', async () => {
    const fromAnEarlierStart = await issueToken('globex', 'the-key-of-an-earlier-start', 3600);

    const notice = refusedTokenNotice(fromAnEarlierStart, Date.now());

    expect(notice).toMatch(/^Your token is not accepted \(one from an earlier npm start is not, unless JWT_SECRET was kept\): /);
    expect(notice).toContain('npx switchboard token --tenant globex');
    expect(refusedTokenNotice('garbage', now)).toContain('npx switchboard token --tenant <tenant>');
  });

  it('stops showing "retrying" once the token is refused', () => {
    expect(transportLabel('stopped')).toBe('Stopped: token not accepted');
  });

  it("says an empty inbox is empty for the token's tenant, and how to fill it", () => {
    expect(emptyInboxNotice('acme')).toBe(
      'No conversations yet for tenant "acme". Register an endpoint with npx switchboard endpoint add --provider twilio --tenant acme --secret <secret>, then send a message with npx switchboard send <endpointId>.',
    );
    expect(emptyInboxNotice(undefined)).toContain('tenant "<tenant>"');
  });
});
