// The inbox page in the browser: fetches, the live connection, storage and the DOM. What it
// shows is decided in model.js; every piece of message content is set as text, never as HTML.
import {
  acceptedId,
  acceptedReply,
  bodyView,
  conversationTitle,
  emptyInboxNotice,
  emptyState,
  eventsPath,
  hasGap,
  holdsBackImages,
  idempotencyKeyFor,
  imageChoicesOf,
  keptView,
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
} from './model.js';
import { el, getWithToken, loadSettings, TokenRefused } from './page.js';

/** Reconnects tried after an open socket closes, before switching to long-polling. */
const maxReconnects = 3;
/** API Gateway closes a WebSocket idle for 10 minutes. */
const pingIntervalMs = 5 * 60 * 1000;
const pollWaitSeconds = 20;
/** How long a gap fill waits for the missing frames, which are usually already stored. */
const gapWaitSeconds = 5;
const pageSize = 100;
const frameTypes = new Set(['message.created', 'message.updated', 'conversation.updated']);

const $ = (/** @type {string} */ id) => /** @type {HTMLElement} */ (document.getElementById(id));
const elements = {
  transport: $('transport'),
  notice: $('notice'),
  list: $('conversations'),
  title: $('conversation-title'),
  messages: $('messages'),
  alwaysLoadImages: /** @type {HTMLInputElement} */ ($('always-load-images')),
  loadConversationImages: $('load-conversation-images'),
  reply: $('reply'),
  replyNotice: $('reply-notice'),
  replyForm: /** @type {HTMLFormElement} */ ($('reply-form')),
  replyText: /** @type {HTMLTextAreaElement} */ ($('reply-text')),
  replySend: /** @type {HTMLButtonElement} */ ($('reply-send')),
  replyFile: /** @type {HTMLInputElement} */ ($('reply-file')),
  replyAttachment: $('reply-attachment'),
  replyStatus: $('reply-status'),
  templateForm: /** @type {HTMLFormElement} */ ($('template-form')),
  templateName: /** @type {HTMLInputElement} */ ($('template-name')),
  templateLanguage: /** @type {HTMLInputElement} */ ($('template-language')),
  templateParameters: /** @type {HTMLInputElement} */ ($('template-parameters')),
  templateSend: /** @type {HTMLButtonElement} */ ($('template-send')),
};

const settings = await loadSettings();
// The operations page, with the same token and API.
/** @type {HTMLAnchorElement} */ ($('ops-link')).href = `ops.html${location.search}`;
const seenKey = `switchboard-inbox-seen:${settings.api}`;
const imagesKey = 'switchboard-inbox-images';

let state = emptyState();
/** @type {string | undefined} */
let selected;
let seen = parseSeen(localStorage.getItem(seenKey));
let imageChoices = imageChoicesOf(localStorage.getItem(imagesKey));

/** @param {import('./model.js').Transport} transport */
const showTransport = (transport) => {
  elements.transport.textContent = transportLabel(transport);
  elements.transport.dataset.transport = transport;
};

const showNotice = (/** @type {string} */ text) => {
  elements.notice.textContent = text;
  elements.notice.hidden = text === '';
};

/** Set once the token is refused: nothing is fetched or reconnected after that. */
let stopped = false;

const stopForToken = () => {
  stopped = true;
  showTransport('stopped');
  showNotice(refusedTokenNotice(settings.token, Date.now()));
};

/** Shows why `what` failed, or stops the page when the token was refused. @param {string} what @param {unknown} error */
const showFailure = (what, error) => {
  if (error instanceof TokenRefused) stopForToken();
  else showNotice(`${what}: ${error instanceof Error ? error.message : String(error)}`);
};

/** @param {string} url */
const get = (url) => getWithToken(settings.token, url);

/** The open conversation is read as it changes. */
const keepSelectedSeen = () => {
  const conversation = selected === undefined ? undefined : state.conversations[selected];
  if (!conversation) return;
  seen = markSeen(seen, conversation);
  localStorage.setItem(seenKey, JSON.stringify(seen));
};

const renderList = () => {
  const conversations = orderedConversations(state);
  if (conversations.length === 0) {
    elements.list.replaceChildren(el('li', { class: 'empty', text: emptyInboxNotice(tokenClaims(settings.token).tenant) }));
    return;
  }
  elements.list.replaceChildren(
    ...conversations.map((conversation) => {
      const unread = unreadCount(conversation, seen);
      const button = el('button', { type: 'button', 'aria-current': conversation.id === selected ? 'true' : undefined }, [
        el('span', { class: 'title', text: conversationTitle(conversation) }),
        el('span', { class: 'preview', text: conversation.lastMessagePreview ?? '' }),
        el('time', { datetime: conversation.lastMessageAt, text: conversation.lastMessageAt ? new Date(conversation.lastMessageAt).toLocaleString() : '' }),
        ...(unread > 0 ? [el('span', { class: 'unread', 'aria-label': `${unread} unread`, text: String(unread) })] : []),
      ]);
      button.addEventListener('click', () => void open(conversation.id));
      return el('li', {}, [button]);
    }),
  );
};

/** @param {import('./model.js').ImageChoice} choice */
const chooseImages = (choice) => {
  imageChoices = withImageChoice(imageChoices, choice);
  localStorage.setItem(imagesKey, storedImageChoice(imageChoices));
  renderMessages();
};

// Every remote image and link is fetched without a Referer: the page's URL carries the token.
/** @param {import('./model.js').MediaItem} item @param {import('./model.js').Message} message */
const renderMedia = (item, message) => {
  const kept = keptView(item);
  const shown = renderProviderMedia(item, message);
  return kept ? el('span', { class: 'kept' }, [el('span', { class: kept.kind, text: kept.label }), shown]) : shown;
};

/** @param {import('./model.js').MediaItem} item @param {import('./model.js').Message} message */
const renderProviderMedia = (item, message) => {
  const view = mediaView(item, loadsImages(imageChoices, message));
  const link = { href: view.href, target: '_blank', rel: 'noopener noreferrer', referrerpolicy: 'no-referrer' };
  if (view.kind === 'image') return el('a', link, [el('img', { referrerpolicy: 'no-referrer', alt: view.label, loading: 'lazy', src: view.href })]);
  if (view.kind === 'link') return el('a', { ...link, text: view.label });
  if (view.kind === 'image-placeholder') {
    const load = el('button', { type: 'button', text: 'Load images' });
    load.addEventListener('click', () => chooseImages({ messageId: message.id }));
    return el('span', { class: view.kind }, [el('span', { text: view.label }), load]);
  }
  return el('span', { class: view.kind, text: view.label });
};

const renderMessages = () => {
  const conversation = selected === undefined ? undefined : state.conversations[selected];
  elements.title.textContent = conversation ? conversationTitle(conversation) : 'Select a conversation';
  const messages = selected === undefined ? [] : (state.messages[selected] ?? []);
  elements.alwaysLoadImages.checked = imageChoices.always;
  elements.loadConversationImages.hidden = !messages.some((message) => holdsBackImages(imageChoices, message));
  elements.messages.replaceChildren(
    ...messages.map((message) => {
      const body = bodyView(message);
      const status = statusView(message, conversation);
      const reactions = reactionsView(message);
      return el('li', { class: `message ${message.direction ?? 'inbound'}${body.deleted ? ' deleted' : ''}` }, [
        el('p', { class: 'text', text: body.text }),
        ...(body.deleted || !message.media?.length ? [] : [el('div', { class: 'media' }, message.media.map((item) => renderMedia(item, message)))]),
        el('p', { class: 'meta' }, [
          el('time', { datetime: message.receivedAt, text: message.receivedAt ? new Date(message.receivedAt).toLocaleString() : '' }),
          ...(body.edited ? [el('span', { text: 'edited' })] : []),
          ...(status ? [el('span', { class: `status ${status.status}` }, [el('span', { class: 'ticks', 'aria-hidden': 'true', text: status.ticks }), ` ${status.label}`])] : []),
          ...reactions.map((reaction) => el('span', { class: 'reaction', text: reaction })),
        ]),
        ...(status?.hint ? [el('p', { class: 'hint', text: status.hint })] : []),
      ]);
    }),
  );
  elements.messages.lastElementChild?.scrollIntoView({ block: 'end' });
};

elements.alwaysLoadImages.addEventListener('change', () => chooseImages({ always: elements.alwaysLoadImages.checked }));
elements.loadConversationImages.addEventListener('click', () => selected !== undefined && chooseImages({ conversationId: selected }));

/** A send under way: the box keeps its text and takes no other until the API answered. */
let sending = false;
/** @type {import('./model.js').UnsettledSend | undefined} */
let unsettled;
/** What the agent has typed in each conversation and not sent yet. @type {Record<string, string>} */
const drafts = {};
/** @type {ReturnType<typeof setTimeout> | undefined} */
let windowTimer;
/** setTimeout fires at once past this delay (about 24.8 days). */
const longestTimeoutMs = 2 ** 31 - 1;

const showReplyStatus = (/** @type {string} */ text) => {
  elements.replyStatus.textContent = text;
};

const renderReply = () => {
  const conversation = selected === undefined ? undefined : state.conversations[selected];
  clearTimeout(windowTimer);
  elements.reply.hidden = !conversation;
  if (!conversation) return;
  const view = replyView(conversation, Date.now());
  // The box closes when the window does, whether or not a frame comes then.
  if (view.changesAt !== undefined) windowTimer = setTimeout(renderReply, Math.min(view.changesAt - Date.now(), longestTimeoutMs));
  elements.replyNotice.textContent = view.notice ?? '';
  elements.replyNotice.hidden = view.notice === undefined;
  elements.templateForm.hidden = !view.templateRequired;
  elements.templateSend.disabled = sending;
  elements.replyText.disabled = !view.enabled;
  elements.replyText.readOnly = sending;
  elements.replySend.disabled = !view.enabled || sending;
  elements.replyFile.disabled = !view.enabled || sending;
};

const render = () => {
  renderList();
  renderMessages();
  renderReply();
};

/**
 * POSTs a reply. A 401 stops the page as on every call; no answer at all is status 0.
 * @param {string} url @param {import('./model.js').ReplyRequest} request @param {string} idempotencyKey
 * @returns {Promise<import('./model.js').SendAnswer>}
 */
const post = async (url, request, idempotencyKey) => {
  let response;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: { authorization: `Bearer ${settings.token}`, 'content-type': 'application/json', 'idempotency-key': idempotencyKey },
      body: JSON.stringify(request),
    });
  } catch (error) {
    return { status: 0, body: { error: error instanceof Error ? error.message : String(error) } };
  }
  if (response.status === 401) throw new TokenRefused('401');
  return { status: response.status, body: await response.json().catch(() => ({})) };
};

/** The file last uploaded: the same reply sent again names the same mediaId, so its Idempotency-Key holds. @type {{ file: File, mediaId: string } | undefined} */
let uploaded;

const sizeText = (/** @type {number} */ bytes) => (bytes < 1024 * 1024 ? `${Math.ceil(bytes / 1024)} KB` : `${(bytes / (1024 * 1024)).toFixed(1)} MB`);

/**
 * Uploads a file as the API asks (POST /media, then a PUT of the file to the signed URL it
 * answers): its mediaId, or why not, in the API's words (too large for the channel, a type it
 * does not take).
 * @param {File} file @returns {Promise<{ mediaId: string } | { refusal: string }>}
 */
const upload = async (file) => {
  if (uploaded?.file === file) return { mediaId: uploaded.mediaId };
  const channel = selected === undefined ? undefined : state.conversations[selected]?.channel;
  const declared = { contentType: file.type || 'application/octet-stream', filename: file.name, sizeBytes: file.size, ...(channel && { channel }) };
  const asked = await post(`${settings.api}/media`, /** @type {any} */ (declared), crypto.randomUUID());
  if (asked.status !== 201) return { refusal: refusalNotice(asked).text.replace(/^Not sent/, `${file.name} not attached`) };
  const { mediaId, upload: signed } = /** @type {{ mediaId: string, upload: { url: string, method: string, headers: Record<string, string> } }} */ (asked.body);
  // Content-Length is the browser's to set, from the file; the URL was signed for exactly this size and type.
  const stored = await fetch(signed.url, { method: signed.method, headers: { 'content-type': declared.contentType }, body: file }).catch(() => undefined);
  if (!stored?.ok) return { refusal: `${file.name} not attached: the upload was refused${stored ? ` (${stored.status})` : ''}. Choose the file again.` };
  uploaded = { file, mediaId };
  return { mediaId };
};

/**
 * Sends a reply to the open conversation; it shows in the thread as queued the moment the API
 * accepted it. A send that may have gone without an answer saying so keeps its Idempotency-Key
 * for the same reply sent again, so that it cannot go twice.
 * @param {import('./model.js').ReplyRequest} request @param {(conversationId: string) => void} onAccepted clears what was sent
 */
const send = async (request, onAccepted) => {
  const conversation = selected === undefined ? undefined : state.conversations[selected];
  if (!conversation || sending) return;
  const attempt = JSON.stringify([conversation.id, request]);
  const idempotencyKey = idempotencyKeyFor(unsettled, attempt, () => crypto.randomUUID());
  sending = true;
  showReplyStatus('Sending…');
  renderReply();
  try {
    const answer = await post(`${settings.api}/conversations/${encodeURIComponent(conversation.id)}/messages`, request, idempotencyKey);
    unsettled = mayHaveBeenAccepted(answer) ? { attempt, key: idempotencyKey } : undefined;
    const id = acceptedId(answer);
    if (id) {
      // A file alone has no text: the thread shows it as the stored message's frames arrive.
      state = withAcceptedReply(state, acceptedReply(id, conversation, 'text' in request || 'template' in request ? request : { text: '' }, Date.now()));
      onAccepted(conversation.id);
      // The thread shows where it got to from here on.
      showReplyStatus('Accepted.');
    } else {
      const refusal = refusalNotice(answer);
      // A closed window is said by the box itself (replyView), from the window the API reported.
      if (refusal.window) state = withConversations(state, [{ ...(state.conversations[conversation.id] ?? conversation), window: refusal.window }]);
      showReplyStatus(refusal.window ? 'Not sent.' : refusal.text);
    }
  } catch (error) {
    if (error instanceof TokenRefused) stopForToken();
    else showReplyStatus(`Not sent: ${error instanceof Error ? error.message : String(error)}`);
  } finally {
    sending = false;
    render();
  }
};

elements.replyText.addEventListener('input', () => {
  if (selected !== undefined) drafts[selected] = elements.replyText.value;
});
elements.replyText.addEventListener('keydown', (event) => {
  // Enter sends, Shift+Enter is a new line; Enter that ends an IME composition is neither.
  if (event.key !== 'Enter' || event.shiftKey || event.isComposing) return;
  event.preventDefault();
  elements.replyForm.requestSubmit();
});
elements.replyFile.addEventListener('change', () => {
  const file = elements.replyFile.files?.[0];
  elements.replyAttachment.textContent = file ? `Attached: ${file.name} (${sizeText(file.size)})` : '';
});
elements.replyForm.addEventListener('submit', async (event) => {
  event.preventDefault();
  const file = elements.replyFile.files?.[0];
  const text = textRequest(elements.replyText.value);
  if ((!text && !file) || elements.replySend.disabled) return;
  let request = text;
  if (file) {
    showReplyStatus(`Uploading ${file.name}…`);
    // No second submit while the file goes up.
    elements.replySend.disabled = true;
    const attached = await upload(file).catch((error) => {
      if (error instanceof TokenRefused) stopForToken();
      return { refusal: `${file.name} not attached: ${error instanceof Error ? error.message : String(error)}` };
    });
    renderReply();
    if ('refusal' in attached) return showReplyStatus(attached.refusal);
    request = /** @type {any} */ ({ ...text, media: [{ mediaId: attached.mediaId }] });
  }
  if (!request) return;
  void send(request, (conversationId) => {
    drafts[conversationId] = '';
    if (selected === conversationId) elements.replyText.value = '';
    elements.replyFile.value = '';
    elements.replyAttachment.textContent = '';
  });
});
elements.templateForm.addEventListener('submit', (event) => {
  event.preventDefault();
  const request = templateRequest(elements.templateName.value, elements.templateLanguage.value, elements.templateParameters.value);
  if (!request || elements.templateSend.disabled) return;
  void send(request, () => {
    elements.templateParameters.value = '';
  });
});

/** @param {string} conversationId */
const loadMessages = async (conversationId) => {
  const { messages } = await get(`${settings.api}/conversations/${encodeURIComponent(conversationId)}/messages?limit=${pageSize}`);
  state = withMessages(state, conversationId, messages);
};

const loadConversations = async () => {
  const { conversations } = await get(`${settings.api}/conversations?limit=${pageSize}`);
  state = withConversations(state, conversations);
};

/** @param {string} conversationId */
const open = async (conversationId) => {
  selected = conversationId;
  elements.replyText.value = drafts[conversationId] ?? '';
  showReplyStatus('');
  keepSelectedSeen();
  render();
  try {
    await loadMessages(conversationId);
    showNotice('');
  } catch (error) {
    showFailure('Could not load messages', error);
  }
  render();
};

/**
 * Frames are received one batch at a time, in the order they came, whatever brought them (the
 * socket, a catch-up, a gap fill, the long-poll): each runs after the one before has finished.
 */
let receiving = Promise.resolve();
/** @param {() => Promise<void>} task */
const serially = (task) => {
  const run = receiving.then(task);
  receiving = run.catch(() => undefined);
  return run;
};

/** @param {import('./model.js').Received} received */
const absorb = async (received) => {
  state = received.state;
  for (const refetch of received.refetches) {
    if ('conversationId' in refetch) await loadMessages(refetch.conversationId);
    else await loadConversations();
  }
  keepSelectedSeen();
  render();
};

/** Fetches what lies behind a gap in the cursors from the feed, until the frames waiting past it apply. */
const fillGaps = async () => {
  while (hasGap(state)) {
    const answer = await get(eventsPath(settings.api, state.cursor, gapWaitSeconds));
    await absorb(receiveAnswer(state, answer));
  }
};

/** @param {import('./model.js').Frame} frame */
const receive = async (frame) => {
  await absorb(receiveFrame(state, frame));
  await fillGaps();
};

/** The frames after the cursor, until none are left: what a socket missed while it was not open. */
const catchUp = async () => {
  for (;;) {
    const answer = await get(eventsPath(settings.api, state.cursor, 0));
    await absorb(receiveAnswer(state, answer));
    if (answer.frames.length === 0) return fillGaps();
  }
};

const longPoll = async () => {
  showTransport('long-poll');
  while (!stopped) {
    try {
      await serially(async () => {
        const answer = await get(eventsPath(settings.api, state.cursor, pollWaitSeconds));
        // The state as it is now: a conversation may have been opened while the poll waited.
        await absorb(receiveAnswer(state, answer));
      });
      showTransport('long-poll');
    } catch (error) {
      if (error instanceof TokenRefused) return stopForToken();
      showTransport('offline');
      await new Promise((resolve) => setTimeout(resolve, 2000));
    }
  }
};

/**
 * The WebSocket, when there is one. A socket that never opens switches to long-polling at once;
 * one that was open and closed is reopened up to `maxReconnects` times first.
 * @param {string} ws @param {number} attempt reconnects so far (0: the first connection)
 */
const connect = (ws, attempt) => {
  showTransport('connecting');
  const socket = new WebSocket(socketUrl(ws, settings.token ?? ''));
  let opened = false;
  /** @type {ReturnType<typeof setInterval> | undefined} */
  let ping;
  socket.addEventListener('open', () => {
    opened = true;
    showTransport('websocket');
    ping = setInterval(() => socket.send(JSON.stringify({ action: 'ping' })), pingIntervalMs);
    serially(catchUp).catch((error) => showFailure('Could not catch up', error));
  });
  socket.addEventListener('message', (event) => {
    let frame;
    try {
      frame = JSON.parse(String(event.data));
    } catch {
      return;
    }
    if (frameTypes.has(frame?.type)) serially(() => receive(frame)).catch((error) => showFailure('Could not fetch missed changes', error));
  });
  socket.addEventListener('close', () => {
    clearInterval(ping);
    if (stopped) return;
    const next = opened ? 1 : attempt + 1;
    if ((attempt === 0 && !opened) || next > maxReconnects) void longPoll();
    else setTimeout(() => connect(ws, next), 500 * 2 ** next);
  });
};

if (!settings.token) {
  showTransport('offline');
  showNotice('Open this page with ?token=<JWT> (npx switchboard token --tenant <id>); npm start prints a link.');
} else {
  try {
    // Where live updates start, taken before the lists are read so that nothing between is missed.
    state = withCursor(state, (await get(eventsPath(settings.api, null, 0))).cursor);
    await loadConversations();
    render();
    if (settings.ws) connect(settings.ws, 0);
    else void longPoll();
  } catch (error) {
    showTransport('offline');
    showFailure('Could not load the inbox', error);
  }
}
