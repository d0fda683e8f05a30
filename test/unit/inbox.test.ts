import { describe, expect, it } from 'vitest';
import { issueToken } from '../../functions/core/tokens.ts';
import {
  acceptedId,
  acceptedReply,
  bodyView,
  emptyInboxNotice,
  emptyState,
  eventsPath,
  hasGap,
  holdsBackImages,
  idempotencyKeyFor,
  imageChoicesOf,
  loadsImages,
  markSeen,
  mayHaveBeenAccepted,
  mediaView,
  orderedConversations,
  parseSeen,
  reactionsView,
  receiveAnswer,
  receiveFrame,
  refusalNotice,
  refusedTokenNotice,
  replyView,
  safeHref,
  settingsOf,
  socketUrl,
  statusView,
  storedImageChoice,
  templateRequest,
  textRequest,
  tokenClaims,
  transportLabel,
  unreadCount,
  withAcceptedReply,
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

  it('shows the status of a sent message with its ticks, and the error of a failed one', () => {
    expect(statusView(sent({ status: 'queued' }), conversation)).toEqual({ status: 'queued', ticks: '◷', label: 'queued' });
    expect(statusView(sent({ status: 'sending' }), conversation)).toEqual({ status: 'sending', ticks: '↗', label: 'sending' });
    expect(statusView(sent({ status: 'sent' }), conversation)).toEqual({ status: 'sent', ticks: '✓', label: 'sent' });
    expect(statusView(sent({ status: 'delivered' }), conversation)).toEqual({ status: 'delivered', ticks: '✓✓', label: 'delivered' });
    expect(statusView(sent({ status: 'read' }), conversation)).toEqual({ status: 'read', ticks: '✓✓', label: 'read' });
    expect(statusView(sent({ status: 'failed', statusError: { code: '30003', message: 'Unreachable handset' } }), conversation)).toEqual({
      status: 'failed',
      ticks: '⚠',
      label: 'failed: 30003 Unreachable handset',
    });
    expect(statusView(sent({ status: 'failed' }), conversation)).toEqual({ status: 'failed', ticks: '⚠', label: 'failed' });
    expect(statusView(sent({}), conversation)).toBeUndefined();
    expect(statusView(aMessage('msg_2', '2026-11-01T10:00:01.000Z', { status: 'read' }), conversation)).toBeUndefined();
  });

  it('shows the conversation watermark for messages sent before it, the later of it and a receipt', () => {
    const watermarked = { ...conversation, deliveredUpTo: '2026-11-01T10:00:05.000Z', readUpTo: '2026-11-01T10:00:02.000Z' };

    expect(statusView(sent({}), watermarked)?.status).toBe('read');
    expect(statusView(sent({ receivedAt: '2026-11-01T10:00:03.000Z' }), watermarked)?.status).toBe('delivered');
    expect(statusView(sent({ receivedAt: '2026-11-01T10:00:09.000Z', status: 'sent' }), watermarked)?.status).toBe('sent');
    expect(statusView(sent({ status: 'failed' }), watermarked)?.status).toBe('read');
    expect(statusView(sent({ receivedAt: '2026-11-01T10:00:03.000Z', status: 'sending' }), watermarked)?.status).toBe('delivered');
  });

  it("shows why a reply failed, in the agent's words and the provider's, and the hint of what to do", () => {
    const optedOut = sent({
      status: 'failed',
      failure: { category: 'opted-out', code: '21610', message: 'Attempt to send to unsubscribed recipient', hint: 'The recipient replied STOP; they must send START before you can message them.' },
    });

    expect(statusView(optedOut, conversation)).toEqual({
      status: 'failed',
      ticks: '⚠',
      label: 'failed: recipient opted out (21610 Attempt to send to unsubscribed recipient)',
      hint: 'The recipient replied STOP; they must send START before you can message them.',
    });
    expect(statusView(sent({ status: 'failed', failure: { category: 'credentials' } }), conversation)?.label).toBe('failed: send credentials refused');
    expect(statusView(sent({ status: 'failed', failure: { category: 'something-new', code: '9' } }), conversation)?.label).toBe('failed: something-new (9)');
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

describe('replying', () => {
  const now = Date.parse('2026-11-22T12:00:00.000Z');
  const utc = (iso: string) => new Date(iso).toISOString().replace('T', ' ').replace('.000Z', ' UTC');
  const whatsapp = (window: Conversation['window']): Conversation => ({ ...aConversation('conv_a', '2026-11-22T10:00:00.000Z'), channel: 'whatsapp', ...(window && { window }) });

  it('lets the agent write in a conversation without a window (sms, email) or with an open one, until it closes', () => {
    expect(replyView(aConversation('conv_a', '2026-11-22T10:00:00.000Z'), now)).toEqual({ enabled: true, templateRequired: false });
    expect(replyView(whatsapp({ open: true, closesAt: '2026-11-23T10:00:00.000Z' }), now)).toEqual({
      enabled: true,
      templateRequired: false,
      changesAt: Date.parse('2026-11-23T10:00:00.000Z'),
    });
  });

  it('says when a WhatsApp window closed and offers a template instead of free text', () => {
    const view = replyView(whatsapp({ open: false, closesAt: '2026-11-21T09:30:00.000Z', templateRequired: true }), now, utc);

    expect(view).toEqual({
      enabled: false,
      templateRequired: true,
      notice: 'The 24-hour window closed at 2026-11-21 09:30:00 UTC: WhatsApp takes only an approved template until the customer writes again. Send a template below.',
    });
  });

  it('closes the box when a window that nothing follows ends while the page is open: WhatsApp\'s, and Messenger\'s human-agent days', () => {
    const closedMeanwhile = { open: true, closesAt: '2026-11-22T11:59:59.000Z' };
    const messenger = (window: Conversation['window']) => ({ ...whatsapp(window), channel: 'messenger' });

    expect(replyView(whatsapp(closedMeanwhile), now, utc)).toMatchObject({ enabled: false, templateRequired: true });
    expect(replyView(messenger({ ...closedMeanwhile, humanAgentTag: true }), now, utc)).toEqual({
      enabled: false,
      templateRequired: false,
      notice:
        "The reply window closed at 2026-11-22 11:59:59 UTC: Messenger and Instagram take replies only within 24 hours of the customer's last message (7 days for a human agent). You can reply once the customer writes again.",
    });
    // Messenger's 24 hours give way to the human-agent days: the API says so on the next update.
    expect(replyView(messenger(closedMeanwhile), now, utc)).toEqual({ enabled: true, templateRequired: false });
    expect(replyView(messenger({ open: true, closesAt: '2026-11-23T10:00:00.000Z' }), now, utc)).toEqual({ enabled: true, templateRequired: false });
    expect(replyView(whatsapp({ open: false }), now).notice).toMatch(/^The 24-hour window is closed: /);
  });

  it("says when Messenger takes a person's answer only, past 24 hours", () => {
    const messenger = { ...aConversation('conv_a', '2026-11-20T10:00:00.000Z'), channel: 'messenger', window: { open: true, closesAt: '2026-11-27T10:00:00.000Z', humanAgentTag: true } };

    expect(replyView(messenger, now, utc)).toEqual({
      enabled: true,
      templateRequired: false,
      notice: "The customer wrote more than 24 hours ago: until 2026-11-27 10:00:00 UTC, replies go with the HUMAN_AGENT tag, for a person's answer only.",
      changesAt: Date.parse('2026-11-27T10:00:00.000Z'),
    });
  });

  it('sends text as typed, less the blank around it, and nothing blank', () => {
    expect(textRequest('  Your parcel left today.\nTracking: 1Z999 \n')).toEqual({ text: 'Your parcel left today.\nTracking: 1Z999' });
    expect(textRequest(' \n ')).toBeUndefined();
  });

  it('reads the template form: parameters comma-separated, name and language required', () => {
    expect(templateRequest(' order_update ', 'en_US', 'Ada, #1042 , ')).toEqual({ template: { name: 'order_update', language: 'en_US', parameters: ['Ada', '#1042'] } });
    expect(templateRequest('hello_world', 'en_US', '')).toEqual({ template: { name: 'hello_world', language: 'en_US', parameters: [] } });
    expect(templateRequest('', 'en_US', 'x')).toBeUndefined();
    expect(templateRequest('hello_world', ' ', 'x')).toBeUndefined();
  });

  it('sends the same reply again after an unanswered attempt with the same Idempotency-Key, anything else with a new one', () => {
    const attempt = JSON.stringify(['conv_a', { text: 'hi' }]);
    let keys = 0;
    const newKey = () => `key-${++keys}`;

    const first = idempotencyKeyFor(undefined, attempt, newKey);
    const unsettled = { attempt, key: first };
    const retried = idempotencyKeyFor(unsettled, attempt, newKey);
    const edited = idempotencyKeyFor(unsettled, JSON.stringify(['conv_a', { text: 'hi!' }]), newKey);
    const elsewhere = idempotencyKeyFor(unsettled, JSON.stringify(['conv_b', { text: 'hi' }]), newKey);

    expect([first, retried, edited, elsewhere]).toEqual(['key-1', 'key-1', 'key-2', 'key-3']);
    expect([0, 500, 503].map((status) => mayHaveBeenAccepted({ status }))).toEqual([true, true, true]);
    expect([202, 400, 401, 409, 422, 429].map((status) => mayHaveBeenAccepted({ status }))).toEqual([false, false, false, false, false, false]);
  });

  it('reads the id of the message the API accepted, and none from a refusal', () => {
    expect(acceptedId({ status: 202, body: { id: 'msg_1' } })).toBe('msg_1');
    expect(acceptedId({ status: 409, body: { id: 'msg_1' } })).toBeUndefined();
    expect(acceptedId({ status: 202, body: {} })).toBeUndefined();
  });

  it('says why a send was refused, in the API\'s words, so that the agent can act on it', () => {
    const closed = refusalNotice(
      { status: 409, body: { reason: 'window_closed', error: 'the customer service window is closed', closesAt: '2026-11-21T09:30:00.000Z', templateRequired: true } },
      utc,
    );

    expect(closed).toEqual({
      text: 'The 24-hour window closed at 2026-11-21 09:30:00 UTC: WhatsApp takes only an approved template until the customer writes again. Send a template below.',
      window: { open: false, closesAt: '2026-11-21T09:30:00.000Z', templateRequired: true },
    });
    expect(refusalNotice({ status: 409, body: { reason: 'window_closed', templateRequired: false } }).window).toEqual({ open: false, templateRequired: false });
    expect(refusalNotice({ status: 409, body: { reason: 'recipient_opted_out', error: 'the recipient opted out (they sent STOP)' } }).text).toBe('Not sent: the recipient opted out (they sent STOP).');
    expect(refusalNotice({ status: 409, body: { reason: 'recipient_opted_out' } }).text).toBe(
      'Not sent: the customer opted out (they sent STOP): they must send START before you can message them.',
    );
    expect(refusalNotice({ status: 409, body: { reason: 'no_send_credentials', error: 'endpoint ep_1 has no send credentials' } }).text).toBe(
      "Not sent: this endpoint cannot send yet (endpoint ep_1 has no send credentials). Set this endpoint's send credentials with npx switchboard endpoint credentials <endpointId> --twilio-account-sid … --twilio-auth-token … (Meta: --meta-access-token …), then Send again.",
    );
    expect(refusalNotice({ status: 400, body: { reason: 'bad_request', error: 'text is longer than 1600 characters' } }).text).toBe('Not sent: text is longer than 1600 characters.');
    expect(refusalNotice({ status: 429, body: {} }).text).toBe('Not sent: the API answered 429.');
    expect(refusalNotice({ status: 422, body: { reason: 'idempotency_key_reused' } }).text).toBe('Not sent: its Idempotency-Key was already used for another message. Send again: it goes with a new key.');
  });

  it('says a send without an answer may be sent again safely, and keeps the text', () => {
    expect(refusalNotice({ status: 0, body: { error: 'Failed to fetch' } }).text).toBe('Not sent: the API could not be reached (Failed to fetch). Your text is kept: Send again, it cannot go twice.');
    expect(refusalNotice({ status: 500, body: { error: 'internal error' } }).text).toBe('Perhaps not sent: the API answered 500 (internal error). Your text is kept: Send again, it cannot go twice.');
    expect(refusalNotice({ status: 502 }).text).toBe('Perhaps not sent: the API answered 502. Your text is kept: Send again, it cannot go twice.');
  });

  describe('the accepted reply in the thread', () => {
    const conversation = aConversation('conv_a', '2026-11-22T10:00:00.000Z');
    const inbound = aMessage('msg_in', '2026-11-22T11:59:00.000Z');
    const opened = withCursor(withMessages(emptyState(), 'conv_a', [inbound]), '7');
    const reply = acceptedReply('msg_out', conversation, { text: 'On its way!' }, now);
    const stored = (cursor: string, status: string, receivedAt = '2026-11-22T12:00:00.250Z') =>
      frame('message.updated', aMessage('msg_out', receivedAt, { direction: 'outbound', text: 'On its way!', status }), cursor);

    it('shows the reply as queued the moment the API accepted it', () => {
      const state = withAcceptedReply(opened, reply);

      expect(reply).toEqual({
        id: 'msg_out',
        conversationId: 'conv_a',
        direction: 'outbound',
        channel: 'sms',
        from: '+15005550006',
        to: '+14155550100',
        text: 'On its way!',
        media: [],
        receivedAt: '2026-11-22T12:00:00.000Z',
        status: 'queued',
      });
      expect(state.messages.conv_a?.map(({ id }) => id)).toEqual(['msg_in', 'msg_out']);
      expect(statusView(state.messages.conv_a![1]!, conversation)?.ticks).toBe('◷');
    });

    it('merges its frames into it: shown once, in its place, its status moving', () => {
      const accepted = withAcceptedReply(opened, reply);
      const created = frame('message.created', { ...stored('8', 'queued').data }, '8');
      // The browser's clock ran ahead of the API's: the stored time is earlier than the inbound message before it.
      const early = '2026-11-22T11:58:00.000Z';

      const after = receiveAnswer(accepted, { frames: [created, stored('9', 'sending', early), stored('10', 'sent', early), stored('11', 'delivered', early)], cursor: '11' }).state;

      expect(after.messages.conv_a?.map(({ id }) => id)).toEqual(['msg_in', 'msg_out']);
      expect(after.messages.conv_a?.[1]?.status).toBe('delivered');
    });

    it('keeps what its frames said when they arrive before the 202 does', () => {
      const framesFirst = receiveFrame(opened, stored('8', 'sent')).state;

      const after = withAcceptedReply(framesFirst, reply);

      expect(after).toBe(framesFirst);
      expect(after.messages.conv_a?.filter(({ id }) => id === 'msg_out').map(({ status }) => status)).toEqual(['sent']);
    });

    it('shows a template reply as the API stores it: its name and parameters', () => {
      const template = acceptedReply('msg_t', conversation, { template: { name: 'order_update', language: 'en_US', parameters: ['Ada', '#1042'] } }, now);

      expect(template.text).toBe('📄 Template order_update: Ada, #1042');
      expect(acceptedReply('msg_t', conversation, { template: { name: 'hello_world', language: 'en_US', parameters: [] } }, now).text).toBe('📄 Template hello_world');
    });
  });

  it('puts a new message where its arrival falls without moving the others', () => {
    const state = withCursor(withMessages(emptyState(), 'conv_a', [aMessage('msg_1', '2026-11-22T10:00:01.000Z'), aMessage('msg_3', '2026-11-22T10:00:03.000Z')]), '1');

    const after = receiveFrame(state, frame('message.created', aMessage('msg_2', '2026-11-22T10:00:02.000Z'), '2')).state;

    expect(after.messages.conv_a?.map(({ id }) => id)).toEqual(['msg_1', 'msg_2', 'msg_3']);
  });
});
