// The inbox's state and what it shows, as pure functions: the browser (app.js) and the unit
// tests (test/unit/inbox) import this same file. No DOM, no fetch, no storage here.

/**
 * @typedef {{ url?: string, providerMediaId?: string, contentType?: string, kind?: string, filename?: string, caption?: string, sizeBytes?: number,
 *   state?: 'pending' | 'ready' | 'failed', failure?: string, link?: string, linkExpiresAt?: string }} MediaItem
 *   `state`: Switchboard's own copy of the file: `pending` while it is fetched, `ready` (served by `link`, signed and short-lived) or `failed` (why: `failure`).
 * @typedef {{ category: string, code?: string, message?: string, hint?: string }} SendFailure  Why Switchboard could not send a message.
 * @typedef {{ id: string, conversationId: string, direction?: string, channel?: string, from?: string, to?: string, text?: string,
 *   media?: MediaItem[], receivedAt?: string, providerTimestamp?: string, status?: string, statusError?: { code: string, message?: string },
 *   failure?: SendFailure, customerReaction?: string, businessReaction?: string, deleted?: boolean, editedAt?: string, truncated?: boolean }} Message
 * @typedef {{ open: boolean, closesAt?: string, templateRequired?: boolean, humanAgentTag?: boolean }} ReplyWindow
 *   WhatsApp, Messenger and Instagram only: when the business may still write free-form text (absent: always);
 *   `humanAgentTag`: open past 24 hours for a person's answer only (Messenger, Instagram).
 * @typedef {{ id: string, channel?: string, customerAddress?: string, businessAddress?: string, lastMessageAt?: string,
 *   lastMessagePreview?: string, messageCount?: number, readUpTo?: string, deliveredUpTo?: string,
 *   window?: ReplyWindow, lastInboundAt?: string }} Conversation
 * @typedef {{ type: string, tenantId?: string, data: Record<string, unknown>, cursor: string }} Frame
 *   `cursor`: the frame's place in the tenant's feed, a sequence number in decimal, one more than the frame before it.
 * @typedef {{ conversations: Record<string, Conversation>, messages: Record<string, Message[]>, cursor: string | null, pending: Frame[] }} InboxState
 *   `cursor`: the last place of the feed applied; `pending`: frames received past a gap, in feed order, waiting for it to fill.
 * @typedef {Record<string, number>} Seen  How many messages each conversation held when last opened in this browser.
 * @typedef {{ conversationId: string } | { conversations: true }} Refetch  What a frame too large for the socket left to fetch.
 * @typedef {{ state: InboxState, refetches: Refetch[] }} Received  The state after frames, and what they left to fetch.
 */

/** @returns {InboxState} */
export const emptyState = () => ({ conversations: {}, messages: {}, cursor: null, pending: [] });

/** A cursor's place in the feed; NaN for anything else. */
const placeOf = (/** @type {string} */ cursor) => (/^\d{1,16}$/.test(cursor) ? Number(cursor) : Number.NaN);

/** The cursor moved forward to `cursor`, never back. @param {InboxState} state @param {string | null | undefined} cursor @returns {InboxState} */
export const withCursor = (state, cursor) =>
  cursor && (state.cursor === null || placeOf(cursor) > placeOf(state.cursor)) ? { ...state, cursor } : state;

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
 * One frame's change applied to what the page shows. Messages are kept only for conversations
 * already loaded (the others load when opened).
 * @param {InboxState} state @param {Frame} frame @returns {{ state: InboxState, refetch?: Refetch }}
 */
const applyChange = (state, frame) => {
  const data = /** @type {Record<string, unknown>} */ (frame.data ?? {});
  if (frame.type === 'conversation.updated') {
    if (data.truncated) return { state, refetch: { conversations: true } };
    const conversation = /** @type {Conversation} */ (data);
    return { state: withConversations(state, [{ ...state.conversations[conversation.id], ...conversation }]) };
  }
  if (frame.type !== 'message.created' && frame.type !== 'message.updated') return { state };
  const message = /** @type {Message} */ (data);
  const loaded = state.messages[message.conversationId];
  if (!loaded) return { state };
  if (message.truncated) return { state, refetch: { conversationId: message.conversationId } };
  // A frame carries the whole item: it replaces the message, and a removed reaction goes with it.
  // A file just kept comes without a link (only the API signs one): the conversation is read again for it.
  if ((message.media ?? []).some((item) => item.state === 'ready' && !item.link)) return { state: withMessage(state, message), refetch: { conversationId: message.conversationId } };
  return { state: withMessage(state, message) };
};

/**
 * A message put in its conversation: in the place of the one with its id, else where its
 * arrival falls. Nothing else moves, so a reply shown before the API stored it (its time the
 * browser's) keeps its place when its frames bring the stored time.
 * @param {InboxState} state @param {Message} message @returns {InboxState}
 */
const withMessage = (state, message) => {
  const loaded = state.messages[message.conversationId] ?? [];
  const index = loaded.findIndex(({ id }) => id === message.id);
  const later = loaded.findIndex((other) => arrival(other) > arrival(message));
  const messages =
    index >= 0 ? loaded.with(index, message) : later >= 0 ? loaded.toSpliced(later, 0, message) : [...loaded, message];
  return { ...state, messages: { ...state.messages, [message.conversationId]: messages } };
};

/**
 * Applies the pending frames that follow the cursor, in feed order: a frame at or before the
 * cursor is already applied and is dropped; one past a gap waits.
 * @param {InboxState} state @param {Refetch[]} refetches @returns {Received}
 */
const drain = (state, refetches) => {
  let current = state;
  for (;;) {
    const [first, ...rest] = current.pending;
    if (!first) return { state: current, refetches };
    const place = placeOf(first.cursor);
    const last = current.cursor === null ? place - 1 : placeOf(current.cursor);
    if (place > last + 1) return { state: current, refetches };
    current = { ...current, pending: rest };
    if (place <= last) continue;
    const applied = applyChange({ ...current, cursor: first.cursor }, first);
    current = applied.state;
    if (applied.refetch) refetches.push(applied.refetch);
  }
};

/**
 * A frame received, from the socket or the long-poll. Each place of the feed is applied once,
 * in order: a frame already applied changes nothing; one past a gap waits in `pending` until
 * the frames before it are fetched (GET /events from the cursor; see `hasGap`).
 * @param {InboxState} state @param {Frame} frame @returns {Received}
 */
export const receiveFrame = (state, frame) => {
  const place = placeOf(frame.cursor);
  if (!Number.isSafeInteger(place) || state.pending.some((pending) => placeOf(pending.cursor) === place)) return { state, refetches: [] };
  const pending = [...state.pending, frame].sort((a, b) => placeOf(a.cursor) - placeOf(b.cursor));
  return drain({ ...state, pending }, []);
};

/**
 * A GET /events answer: its frames, then its cursor, which also passes the feed's holes and the
 * gaps it gave up on, so the frames waiting behind them apply.
 * @param {InboxState} state @param {{ frames: Frame[], cursor: string }} answer @returns {Received}
 */
export const receiveAnswer = (state, answer) => {
  /** @type {Refetch[]} */
  const refetches = [];
  let current = state;
  for (const frame of answer.frames) {
    const received = receiveFrame(current, frame);
    current = received.state;
    refetches.push(...received.refetches);
  }
  return drain(withCursor(current, answer.cursor), refetches);
};

/** Whether frames wait behind a gap: what GET /events from the cursor fills. @param {InboxState} state */
export const hasGap = (state) => state.pending.length > 0;

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

/** What a failure's category means to the agent. */
const failureCategories = /** @type {Record<string, string>} */ ({
  throttled: 'rate limited',
  temporary: 'provider unavailable',
  permanent: 'not deliverable',
  credentials: 'send credentials refused',
  window: 'outside the reply window',
  'opted-out': 'recipient opted out',
});

/** How far a message got, later states ranking higher; a `read` after `failed` wins (WhatsApp reports that). */
const statusRank = /** @type {Record<string, number>} */ ({ queued: 0, sending: 0.5, sent: 1, delivered: 2, failed: 3, read: 4 });

/** The ticks beside a sent message, as chat apps draw them; `read` is coloured by the stylesheet. */
const statusTicks = /** @type {Record<string, string>} */ ({ queued: '◷', sending: '↗', sent: '✓', delivered: '✓✓', read: '✓✓', failed: '⚠' });

/** @param {Message} message */
const failureLabel = (message) => {
  const { failure, statusError } = message;
  const provider = [failure?.code ?? statusError?.code, failure?.message ?? statusError?.message].filter(Boolean).join(' ');
  const category = failure && (failureCategories[failure.category] ?? failure.category);
  const reason = category && provider ? `${category} (${provider})` : category || provider;
  return reason ? `failed: ${reason}` : 'failed';
};

/**
 * Where a sent message got to: its own status, or the conversation's read/delivered watermark
 * (Messenger and Instagram report those instead), with its ticks; a failure's reason and the
 * hint of what to do about it. Received messages have none.
 * @param {Message} message @param {Conversation | undefined} conversation
 * @returns {{ status: string, ticks: string, label: string, hint?: string } | undefined}
 */
export const statusView = (message, conversation) => {
  if (message.direction !== 'outbound') return undefined;
  const sentAt = message.providerTimestamp ?? message.receivedAt ?? '';
  const watermark = conversation?.readUpTo && sentAt <= conversation.readUpTo ? 'read' : conversation?.deliveredUpTo && sentAt <= conversation.deliveredUpTo ? 'delivered' : undefined;
  const status = [message.status, watermark].filter((value) => value !== undefined).sort((a, b) => (statusRank[b ?? ''] ?? 0) - (statusRank[a ?? ''] ?? 0))[0];
  if (!status) return undefined;
  const ticks = statusTicks[status] ?? '';
  if (status !== 'failed') return { status, ticks, label: status };
  return { status, ticks, label: failureLabel(message), ...(message.failure?.hint && { hint: message.failure.hint }) };
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
  // Our own copy: its link tells the sender nothing, so an image shows at once.
  const kept = item.state === 'ready' ? safeHref(item.link) : undefined;
  if (kept) return isImage(item) ? { kind: 'image', label, href: kept } : { kind: 'link', label, href: kept };
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
 * Where Switchboard's copy of a file stands, when it keeps one: fetching, or why it could not
 * (the provider's own link, if any, still shows beside it).
 * @param {MediaItem} item @returns {{ kind: 'media-pending' | 'media-failed', label: string } | undefined}
 */
export const keptView = (item) => {
  if (item.state === 'pending') return { kind: 'media-pending', label: 'Keeping a copy…' };
  if (item.state === 'failed') return { kind: 'media-failed', label: `Not kept: ${(item.failure ?? 'failed').replaceAll('_', ' ')}` };
  return undefined;
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

/**
 * `stopped`: the API refused the token; no retry can change that, so the page stops asking.
 * @typedef {'connecting' | 'websocket' | 'long-poll' | 'offline' | 'stopped'} Transport
 */

/** @param {Transport} transport */
export const transportLabel = (transport) =>
  ({
    connecting: 'Connecting…',
    websocket: 'Live: WebSocket',
    'long-poll': 'Live: long-polling (WebSocket unavailable)',
    offline: 'Offline: retrying',
    stopped: 'Stopped: token not accepted',
  })[transport];

/**
 * What a token says of itself, read to explain the page, never trusted (the API verifies it):
 * its tenant (the `tenant` claim `switchboard token` writes) and when it expires (ms since the epoch).
 * @param {string | undefined} token @returns {{ tenant?: string, expiresAt?: number }}
 */
export const tokenClaims = (token) => {
  try {
    const payload = JSON.parse(atob((token ?? '').split('.')[1]?.replace(/-/g, '+').replace(/_/g, '/') ?? ''));
    return {
      ...(typeof payload?.tenant === 'string' && payload.tenant !== '' && { tenant: payload.tenant }),
      ...(typeof payload?.exp === 'number' && { expiresAt: payload.exp * 1000 }),
    };
  } catch {
    return {};
  }
};

/**
 * What the page says once the API refused its token (401): why, as far as the token tells, and
 * how to get one that works. A token of an earlier `npm start` is refused without having expired:
 * each start signs with a new key unless JWT_SECRET keeps one.
 * @param {string | undefined} token @param {number} now ms since the epoch
 */
export const refusedTokenNotice = (token, now) => {
  const { tenant, expiresAt } = tokenClaims(token);
  const fresh = `get a new one with npx switchboard token --tenant ${tenant ?? '<tenant>'} and open this page with ?token=<it> (or restart npm start for a fresh link)`;
  return expiresAt !== undefined && expiresAt <= now
    ? `Your token expired: ${fresh}.`
    : `Your token is not accepted (one from an earlier npm start is not, unless JWT_SECRET was kept): ${fresh}.`;
};

/** What an inbox with no conversations says, so an empty list is not taken for a broken page. @param {string | undefined} tenant */
export const emptyInboxNotice = (tenant) => {
  const name = tenant ?? '<tenant>';
  return `No conversations yet for tenant "${name}". Register an endpoint with npx switchboard endpoint add --provider twilio --tenant ${name} --secret <secret>, then send a message with npx switchboard send <endpointId>.`;
};

/*
 * Replying: the reply box under the open conversation. POST /conversations/{id}/messages answers
 * 202 once the message is durably queued, and its frames then carry it through its states.
 */

/** @typedef {{ name: string, language: string, parameters: string[] }} Template  An approved WhatsApp template, by name. */
/** @typedef {{ text: string } | { template: Template }} ReplyRequest  The body of POST /conversations/{id}/messages. */
/**
 * @typedef {{ status: number, body?: { error?: string, reason?: string, closesAt?: string, templateRequired?: boolean, id?: string } }} SendAnswer
 *   What the POST answered: a refusal names its `reason` and says it in `error`, for people; status 0 when nothing came back (the network failed).
 * @typedef {{ attempt: string, key: string }} UnsettledSend  A send that may have been accepted without an answer saying so.
 */

const localTime = (/** @type {string} */ iso) => new Date(iso).toLocaleString();

/** @param {string | undefined} closesAt @param {boolean} templateRequired @param {(iso: string) => string} formatTime */
const windowNotice = (closesAt, templateRequired, formatTime) => {
  const closed = closesAt ? `closed at ${formatTime(closesAt)}` : 'is closed';
  return templateRequired
    ? `The 24-hour window ${closed}: WhatsApp takes only an approved template until the customer writes again. Send a template below.`
    : `The reply window ${closed}: Messenger and Instagram take replies only within 24 hours of the customer's last message (7 days for a human agent). You can reply once the customer writes again.`;
};

/**
 * Whether the agent may write free-form text in the conversation now, and if not, why and
 * whether a template may go instead. An open window that ends while the page is open closes the
 * box when nothing can follow it: WhatsApp's (templates only, then) and Messenger's or
 * Instagram's human-agent days. Their 24 hours give way to those days, which the API reports on
 * the conversation's next update (or in a 409). `changesAt`: when the box closes (ms), for the
 * page to look again then.
 * @param {Conversation} conversation @param {number} now ms since the epoch @param {(iso: string) => string} [formatTime]
 * @returns {{ enabled: boolean, templateRequired: boolean, notice?: string, changesAt?: number }}
 */
export const replyView = (conversation, now, formatTime = localTime) => {
  const replyWindow = conversation.window;
  if (!replyWindow) return { enabled: true, templateRequired: false };
  const closesAt = replyWindow.closesAt === undefined ? Number.NaN : Date.parse(replyWindow.closesAt);
  const isLast = conversation.channel === 'whatsapp' || replyWindow.humanAgentTag === true;
  if (replyWindow.open && !(isLast && closesAt <= now)) {
    return {
      enabled: true,
      templateRequired: false,
      ...(replyWindow.humanAgentTag && replyWindow.closesAt && {
        notice: `The customer wrote more than 24 hours ago: until ${formatTime(replyWindow.closesAt)}, replies go with the HUMAN_AGENT tag, for a person's answer only.`,
      }),
      ...(isLast && closesAt > now && { changesAt: closesAt }),
    };
  }
  const templateRequired = replyWindow.templateRequired ?? conversation.channel === 'whatsapp';
  return { enabled: false, templateRequired, notice: windowNotice(replyWindow.closesAt, templateRequired, formatTime) };
};

/** The text as sent, or nothing when there is nothing to send. @param {string} text @returns {ReplyRequest | undefined} */
export const textRequest = (text) => (text.trim() === '' ? undefined : { text: text.trim() });

/**
 * The template form's fields as a request: parameters are the body's {{1}}, {{2}}… values,
 * comma-separated. Nothing when the name or language is missing.
 * @param {string} name @param {string} language @param {string} parameters @returns {ReplyRequest | undefined}
 */
export const templateRequest = (name, language, parameters) =>
  name.trim() === '' || language.trim() === ''
    ? undefined
    : { template: { name: name.trim(), language: language.trim(), parameters: parameters.split(',').map((value) => value.trim()).filter((value) => value !== '') } };

/**
 * Whether a send may have been accepted though no answer said so (the network failed, or a 5xx):
 * sent again with the same Idempotency-Key, the API answers the message it stored, if any, so
 * it cannot go twice. @param {SendAnswer} answer
 */
export const mayHaveBeenAccepted = (answer) => answer.status === 0 || answer.status >= 500;

/**
 * The Idempotency-Key for an attempt (the conversation and body as sent): the unsettled send's
 * when it is the same attempt, else a new one.
 * @param {UnsettledSend | undefined} unsettled @param {string} attempt @param {() => string} newKey
 */
export const idempotencyKeyFor = (unsettled, attempt, newKey) => (unsettled?.attempt === attempt ? unsettled.key : newKey());

/**
 * Why a send was not accepted, said so that the agent can act on it, in the API's words where it
 * gave them (they are written for people) with what to do next; for a closed window, the
 * window as the API now reports it (closed), for the reply box to show. The text stays in the box.
 * @param {SendAnswer} answer @param {(iso: string) => string} [formatTime]
 * @returns {{ text: string, window?: ReplyWindow }}
 */
export const refusalNotice = (answer, formatTime = localTime) => {
  const { reason, error: message, closesAt, templateRequired } = answer.body ?? {};
  const said = message ? ` (${message})` : '';
  if (answer.status === 0) return { text: `Not sent: the API could not be reached${said}. Your text is kept: Send again, it cannot go twice.` };
  if (answer.status >= 500) return { text: `Perhaps not sent: the API answered ${answer.status}${said}. Your text is kept: Send again, it cannot go twice.` };
  if (reason === 'window_closed') {
    const replyWindow = { open: false, ...(closesAt && { closesAt }), templateRequired: templateRequired === true };
    return { text: windowNotice(closesAt, replyWindow.templateRequired, formatTime), window: replyWindow };
  }
  if (reason === 'recipient_opted_out') return { text: `Not sent: ${message ?? 'the customer opted out (they sent STOP): they must send START before you can message them'}.` };
  if (reason === 'no_send_credentials') return { text: `Not sent: this endpoint cannot send yet${said}. Set this endpoint's send credentials with npx switchboard endpoint credentials <endpointId> --twilio-account-sid … --twilio-auth-token … (Meta: --meta-access-token …), then Send again.` };
  if (reason === 'idempotency_key_reused') return { text: `Not sent: its Idempotency-Key was already used for another message${said}. Send again: it goes with a new key.` };
  return { text: `Not sent: ${message ?? `the API answered ${answer.status}`}.` };
};

/**
 * The reply as the thread shows it from the moment the API accepted it (queued), until its own
 * frames replace it. Its time is the browser's; the stored one replaces it without moving it.
 * @param {string} id what the 202 answered @param {Conversation} conversation @param {ReplyRequest} request @param {number} now
 * @returns {Message}
 */
export const acceptedReply = (id, conversation, request, now) => ({
  id,
  conversationId: conversation.id,
  direction: 'outbound',
  ...(conversation.channel && { channel: conversation.channel }),
  ...(conversation.businessAddress && { from: conversation.businessAddress }),
  ...(conversation.customerAddress && { to: conversation.customerAddress }),
  // A template's text as the API stores it (functions/core/accept.ts), so that its frames do not change it.
  text:
    'text' in request
      ? request.text
      : `📄 Template ${request.template.name}${request.template.parameters.length ? `: ${request.template.parameters.join(', ')}` : ''}`,
  media: [],
  receivedAt: new Date(now).toISOString(),
  status: 'queued',
});

/**
 * An accepted reply put in its thread, unless its frames got there first: they are newer than
 * the 202, and the thread never shows a message twice.
 * @param {InboxState} state @param {Message} message @returns {InboxState}
 */
export const withAcceptedReply = (state, message) =>
  state.messages[message.conversationId]?.some(({ id }) => id === message.id) ? state : withMessage(state, message);

/** The id of the message the API accepted, when it did. @param {SendAnswer} answer */
export const acceptedId = (answer) => (answer.status >= 200 && answer.status < 300 && answer.body?.id ? answer.body.id : undefined);
