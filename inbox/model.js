// The inbox's state and what it shows, as pure functions: the browser (app.js) and the unit
// tests (test/unit/inbox) import this same file. No DOM, no fetch, no storage here.

/**
 * @typedef {{ url?: string, providerMediaId?: string, contentType?: string, kind?: string, filename?: string, caption?: string, sizeBytes?: number }} MediaItem
 * @typedef {{ id: string, conversationId: string, direction?: string, channel?: string, from?: string, to?: string, text?: string,
 *   media?: MediaItem[], receivedAt?: string, providerTimestamp?: string, status?: string, statusError?: { code: string, message?: string },
 *   customerReaction?: string, businessReaction?: string, deleted?: boolean, editedAt?: string, truncated?: boolean }} Message
 * @typedef {{ id: string, channel?: string, customerAddress?: string, businessAddress?: string, lastMessageAt?: string,
 *   lastMessagePreview?: string, messageCount?: number, readUpTo?: string, deliveredUpTo?: string }} Conversation
 * @typedef {{ type: string, tenantId?: string, data: Record<string, unknown>, cursor: string }} Frame
 * @typedef {{ conversations: Record<string, Conversation>, messages: Record<string, Message[]>, cursor: string | null, versions: Record<string, string> }} InboxState
 *   `versions`: the cursor of the latest frame applied to each item, so an older frame never undoes a newer one.
 * @typedef {Record<string, number>} Seen  How many messages each conversation held when last opened in this browser.
 * @typedef {{ conversationId: string } | { conversations: true }} Refetch  What a frame too large for the socket left to fetch.
 */

/** @returns {InboxState} */
export const emptyState = () => ({ conversations: {}, messages: {}, cursor: null, versions: {} });

/** Frames move forward only: cursors are `<changedAt ISO 8601>/<id>` and sort as strings. */
const laterCursor = (/** @type {string | null} */ current, /** @type {string | null | undefined} */ next) =>
  next && (current === null || next > current) ? next : current;

/** @param {InboxState} state @param {string | null | undefined} cursor @returns {InboxState} */
export const withCursor = (state, cursor) => ({ ...state, cursor: laterCursor(state.cursor, cursor) });

/** @param {InboxState} state @param {Conversation[]} conversations @returns {InboxState} */
export const withConversations = (state, conversations) => ({
  ...state,
  conversations: { ...state.conversations, ...Object.fromEntries(conversations.map((conversation) => [conversation.id, conversation])) },
});

const arrival = (/** @type {Message} */ message) => `${message.receivedAt ?? ''}#${message.id}`;

/** A conversation's messages, oldest first, as a chat reads. @param {InboxState} state @param {string} conversationId @param {Message[]} messages @returns {InboxState} */
export const withMessages = (state, conversationId, messages) => ({
  ...state,
  messages: { ...state.messages, [conversationId]: [...messages].sort((a, b) => (arrival(a) < arrival(b) ? -1 : arrival(a) > arrival(b) ? 1 : 0)) },
});

/**
 * One frame applied. Messages are kept only for conversations already loaded (the others load
 * when opened); a frame already applied, or older than one applied, changes nothing.
 * @param {InboxState} state @param {Frame} frame @returns {{ state: InboxState, refetch?: Refetch }}
 */
export const applyFrame = (state, frame) => {
  const data = /** @type {Record<string, unknown>} */ (frame.data ?? {});
  const id = String(data.id);
  // The socket and the long-poll may both deliver a frame, and a catch-up may bring an older one late.
  if ((state.versions[id] ?? '') >= frame.cursor) return { state };
  const next = { ...withCursor(state, frame.cursor), versions: { ...state.versions, [id]: frame.cursor } };
  if (frame.type === 'conversation.updated') {
    if (data.truncated) return { state: next, refetch: { conversations: true } };
    const conversation = /** @type {Conversation} */ (data);
    return { state: withConversations(next, [{ ...next.conversations[conversation.id], ...conversation }]) };
  }
  if (frame.type !== 'message.created' && frame.type !== 'message.updated') return { state: next };
  const message = /** @type {Message} */ (data);
  const loaded = next.messages[message.conversationId];
  if (!loaded) return { state: next };
  if (message.truncated) return { state: next, refetch: { conversationId: message.conversationId } };
  // A frame carries the whole item: it replaces the message, and a removed reaction goes with it.
  return { state: withMessages(next, message.conversationId, [...loaded.filter(({ id }) => id !== message.id), message]) };
};

/** Latest activity first; ties by id so the order never flickers. @param {InboxState} state @returns {Conversation[]} */
export const orderedConversations = (state) =>
  Object.values(state.conversations).sort((a, b) => {
    const [left, right] = [a.lastMessageAt ?? '', b.lastMessageAt ?? ''];
    return left === right ? (a.id < b.id ? -1 : 1) : left < right ? 1 : -1;
  });

/** Messages stored since the conversation was last opened here (all of them if never). @param {Conversation} conversation @param {Seen} seen */
export const unreadCount = (conversation, seen) => Math.max(0, (conversation.messageCount ?? 0) - (seen[conversation.id] ?? 0));

/** @param {Seen} seen @param {Conversation} conversation @returns {Seen} */
export const markSeen = (seen, conversation) => ({ ...seen, [conversation.id]: conversation.messageCount ?? 0 });

/** The stored `Seen`, or none when storage holds something else. @param {string | null} stored @returns {Seen} */
export const parseSeen = (stored) => {
  try {
    const value = JSON.parse(stored ?? '{}');
    return value && typeof value === 'object' && !Array.isArray(value)
      ? Object.fromEntries(Object.entries(value).filter(([, count]) => Number.isInteger(count)))
      : {};
  } catch {
    return {};
  }
};

/** @param {Conversation} conversation */
export const conversationTitle = (conversation) => `${conversation.customerAddress ?? conversation.id} · ${conversation.channel ?? ''}`.replace(/ · $/, '');

/**
 * Where a sent message got to: its own receipt, or the conversation's read/delivered watermark
 * (Messenger and Instagram report those instead). Received messages have none.
 * @param {Message} message @param {Conversation | undefined} conversation
 * @returns {{ status: string, label: string } | undefined}
 */
export const statusView = (message, conversation) => {
  if (message.direction !== 'outbound') return undefined;
  const sentAt = message.providerTimestamp ?? message.receivedAt ?? '';
  const watermark = conversation?.readUpTo && sentAt <= conversation.readUpTo ? 'read' : conversation?.deliveredUpTo && sentAt <= conversation.deliveredUpTo ? 'delivered' : undefined;
  const rank = /** @type {Record<string, number>} */ ({ queued: 0, sent: 1, delivered: 2, failed: 3, read: 4 });
  const status = [message.status, watermark].filter((value) => value !== undefined).sort((a, b) => (rank[b ?? ''] ?? 0) - (rank[a ?? ''] ?? 0))[0];
  if (!status) return undefined;
  if (status !== 'failed') return { status, label: status };
  const error = message.statusError;
  return { status, label: error ? `failed: ${error.code}${error.message ? ` ${error.message}` : ''}` : 'failed' };
};

/**
 * A URL the page may link to or load: http(s) only, so that a message can never carry a
 * `javascript:` or `data:` link into the page. Text is set with textContent, never as HTML.
 * @param {unknown} url @returns {string | undefined}
 */
export const safeHref = (url) => {
  if (typeof url !== 'string') return undefined;
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'https:' || parsed.protocol === 'http:' ? parsed.href : undefined;
  } catch {
    return undefined;
  }
};

const sizeLabel = (/** @type {number | undefined} */ bytes) =>
  bytes === undefined ? '' : bytes < 1024 ? ` (${bytes} B)` : bytes < 1024 * 1024 ? ` (${Math.round(bytes / 1024)} KB)` : ` (${(bytes / 1024 / 1024).toFixed(1)} MB)`;

const isImage = (/** @type {MediaItem} */ item) => Boolean(item.contentType?.startsWith('image/') || item.kind === 'image' || item.kind === 'sticker');

/**
 * How one attachment shows: an image only once the agent chose to load it (a placeholder
 * naming its kind, type and host until then), and only over https, all the page's
 * Content-Security-Policy loads; a link for any other URL; a file name for an attachment
 * without one; the provider's media id as such (WhatsApp's must be fetched with the
 * provider's credentials).
 * @param {MediaItem} item @param {boolean} [loadImages]
 * @returns {{ kind: 'image' | 'image-placeholder' | 'link' | 'file' | 'provider-media', label: string, href?: string }}
 */
export const mediaView = (item, loadImages = false) => {
  const label = `${item.filename ?? item.caption ?? item.kind ?? item.contentType ?? 'attachment'}${sizeLabel(item.sizeBytes)}`;
  const href = safeHref(item.url);
  if (href) {
    if (!isImage(item) || new URL(href).protocol !== 'https:') return { kind: 'link', label, href };
    if (loadImages) return { kind: 'image', label, href };
    const what = [...new Set([item.kind, item.contentType].filter(Boolean))].join(', ') || 'image';
    return { kind: 'image-placeholder', label: `${what}${sizeLabel(item.sizeBytes)} from ${new URL(href).host}` };
  }
  if (item.providerMediaId) return { kind: 'provider-media', label: `${item.kind ?? 'media'}: provider media id ${item.providerMediaId}` };
  return { kind: 'file', label };
};

/**
 * The remote images the agent chose to load. None by default: an image's URL is the sender's
 * choice, and fetching it tells the sender when the conversation was opened, and from where.
 * `always` is remembered in this browser; a conversation's or a message's choice lasts the visit.
 * @typedef {{ always: boolean, conversations: string[], messages: string[] }} ImageChoices
 * @typedef {{ always: boolean } | { conversationId: string } | { messageId: string }} ImageChoice
 */

/** The choices as stored: only "always" is kept. @param {string | null} stored @returns {ImageChoices} */
export const imageChoicesOf = (stored) => ({ always: stored === 'always', conversations: [], messages: [] });

/** What storage keeps of the choices. @param {ImageChoices} choices */
export const storedImageChoice = (choices) => (choices.always ? 'always' : 'ask');

/** @param {ImageChoices} choices @param {ImageChoice} choice @returns {ImageChoices} */
export const withImageChoice = (choices, choice) => {
  if ('always' in choice) return { ...choices, always: choice.always };
  if ('conversationId' in choice) return { ...choices, conversations: [...choices.conversations, choice.conversationId] };
  return { ...choices, messages: [...choices.messages, choice.messageId] };
};

/** Whether the message's remote images load. @param {ImageChoices} choices @param {Message} message */
export const loadsImages = (choices, message) =>
  choices.always || choices.conversations.includes(message.conversationId) || choices.messages.includes(message.id);

/** Whether the message shows an image placeholder: what a "load images" control is for. @param {ImageChoices} choices @param {Message} message */
export const holdsBackImages = (choices, message) =>
  !message.deleted && !loadsImages(choices, message) && (message.media ?? []).some((item) => mediaView(item).kind === 'image-placeholder');

/** @param {Message} message @returns {{ text: string, deleted: boolean, edited: boolean }} */
export const bodyView = (message) =>
  message.deleted ? { text: 'This message was deleted', deleted: true, edited: false } : { text: message.text ?? '', deleted: false, edited: Boolean(message.editedAt) };

/** @param {Message} message @returns {string[]} */
export const reactionsView = (message) =>
  [message.customerReaction && `customer ${message.customerReaction}`, message.businessReaction && `you ${message.businessReaction}`].filter(
    /** @returns {value is string} */ (value) => typeof value === 'string',
  );

/**
 * The page's settings: `token`, and `api` / `ws` base URLs from the query string, else from
 * config.json beside the page (the local stack serves one; `npm run build:inbox` can write
 * one), else the page's own origin for the API and no socket (long-polling only).
 * @param {string} search @param {string} origin @param {{ api?: unknown, ws?: unknown }} config
 * @returns {{ token: string | undefined, api: string, ws: string | undefined }}
 */
export const settingsOf = (search, origin, config) => {
  const params = new URLSearchParams(search);
  const text = (/** @type {unknown} */ value) => (typeof value === 'string' && value !== '' ? value.replace(/\/+$/, '') : undefined);
  return {
    token: params.get('token') || undefined,
    api: text(params.get('api')) ?? text(config.api) ?? origin,
    ws: text(params.get('ws')) ?? text(config.ws),
  };
};

/** @param {string} ws @param {string} token */
export const socketUrl = (ws, token) => `${ws}/?token=${encodeURIComponent(token)}`;

/** @param {string} api @param {string | null} cursor @param {number} waitSeconds */
export const eventsPath = (api, cursor, waitSeconds) => {
  const params = new URLSearchParams({ wait: String(waitSeconds), limit: '100' });
  if (cursor) params.set('cursor', cursor);
  return `${api}/events?${params}`;
};

/** @param {'connecting' | 'websocket' | 'long-poll' | 'offline'} transport */
export const transportLabel = (transport) =>
  ({ connecting: 'Connecting…', websocket: 'Live: WebSocket', 'long-poll': 'Live: long-polling (WebSocket unavailable)', offline: 'Offline: retrying' })[transport];
