// The minimal operator console: sign in, the queue and my conversations,
// claim, the conversation with its context, reply, transfer, resolve — kept
// live over /console/socket — and the sandbox outbox. State lives in one
// object; each action is a small function.
import { h, clear, show, waiting, ago } from './dom.js';
import { createApi, loadSession, saveSession } from './api.js';
import { LiveSocket } from './socket.js';
import { escalationCard, messageItem, conversationAside, modeLabel } from './views.js';
import { createTransferDialog } from './transfer.js';
import { createOutbox } from './outbox.js';

const $ = (id) => document.getElementById(id);

const state = {
  session: loadSession(),
  queue: [],
  mine: [],
  /** Ids in "mine" at the last refresh (null before the first), to tell a conversation handed to me from one I claimed. */
  mineIds: null,
  outboxOpen: false,
  /** The open conversation: { id, data (GET /api/conversations/:id), messages: Map id → message } */
  open: null,
};

const api = createApi({ getToken: () => state.session && state.session.token, onUnauthorized: () => signOut('Your session has expired. Please sign in again.') });
const live = new LiveSocket({
  getToken: () => state.session && state.session.token,
  onFrame: (frame) => onFrame(frame),
  onStatus: (on) => setLive(on),
  onSessionExpired: () => signOut('Your session has expired. Please sign in again.'),
});
const transfer = createTransferDialog({ api, onDone: (e, target) => transferred(e, target) });
const outbox = createOutbox({ api, getOperator: () => state.session && state.session.operator, onOpenConversation: (id) => openConversation(id), toast: (text, kind) => toast(text, kind) });

// --- feedback ---------------------------------------------------------------

let toastTimer = null;
function toast(text, kind = 'info') {
  const el = $('toast');
  el.textContent = text;
  el.className = `toast toast--${kind}`;
  show(el, true);
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => show(el, false), 5000);
}

function setLive(on) {
  const el = $('live');
  el.textContent = on ? 'Live' : 'Reconnecting…';
  el.className = `live ${on ? 'live--on' : 'live--off'}`;
}

// --- sign in / out ----------------------------------------------------------

async function signIn(ev) {
  ev.preventDefault();
  const error = $('login-error');
  show(error, false);
  try {
    const { token, operator } = await api.login($('login-email').value.trim(), $('login-password').value);
    state.session = { token, operator };
    saveSession(state.session);
    $('login-password').value = '';
    enterConsole();
  } catch (err) {
    error.textContent = err.status === 401 || err.status === 400 ? 'Wrong email or password.' : err.message;
    show(error, true);
  }
}

function signOut(message) {
  live.stop();
  state.session = null;
  state.open = null;
  state.mineIds = null;
  showOutbox(false);
  saveSession(null);
  show($('app-view'), false);
  show($('login-view'), true);
  if (message) {
    $('login-error').textContent = message;
    show($('login-error'), true);
  }
}

function enterConsole() {
  show($('login-view'), false);
  show($('app-view'), true);
  const op = state.session.operator;
  $('me').textContent = `${op.name} · ${(op.roles || []).join(', ')}`;
  // Opening the console makes an operator available (see the console socket); a later change is theirs.
  $('presence').value = 'available';
  show($('outbox-open'), outbox.allowed());
  setLive(false);
  live.start();
  void refreshQueues();
}

// --- queues -----------------------------------------------------------------

let queueTimer = null;
/** Queue events come in bursts (escalate, claim, resolve): refetch once per burst. */
function refreshQueuesSoon() {
  clearTimeout(queueTimer);
  queueTimer = setTimeout(() => void refreshQueues(), 150);
}

async function refreshQueues() {
  try {
    const [queue, mine] = await Promise.all([api.queued(), api.mine()]);
    state.queue = queue;
    state.mine = mine;
    announceHandedToMe(mine);
    renderQueues();
  } catch (err) {
    if (err.status !== 401) toast(`Could not load the queue: ${err.message}`, 'error');
  }
}

/** A conversation a colleague handed to me shows up in "mine" with their note: say so once. */
function announceHandedToMe(mine) {
  const before = state.mineIds;
  state.mineIds = new Set(mine.map((e) => e.id));
  if (!before) return;
  for (const e of mine) {
    const t = e.transfers && e.transfers[e.transfers.length - 1];
    if (before.has(e.id) || !t || t.toOperator !== state.session.operator.id) continue;
    toast(`${t.fromName || 'A colleague'} transferred a conversation to you${t.note ? `: “${t.note}”` : '.'}`, 'info');
  }
}

function renderQueues() {
  const openId = state.open && state.open.id;
  const render = (list, el, empty, count, mine) => {
    clear(el);
    for (const e of list) el.append(escalationCard(e, { mine, selected: e.conversationId === openId, onOpen: (x) => openConversation(x.conversationId), onClaim: claim }));
    show(empty, list.length === 0);
    count.textContent = String(list.length);
  };
  render(state.mine, $('mine-list'), $('mine-empty'), $('mine-count'), true);
  render(state.queue, $('queue-list'), $('queue-empty'), $('queue-count'), false);
}

function tickWaitingTimes() {
  for (const el of document.querySelectorAll('.wait[data-since]')) el.textContent = waiting(el.dataset.since, el.dataset.verb);
}

async function claim(e) {
  try {
    await api.claim(e.id);
    toast('Claimed. The customer has been told you joined.', 'ok');
    await refreshQueues();
    await openConversation(e.conversationId);
  } catch (err) {
    if (err.status === 409) toast('Someone else took it.', 'warn');
    else toast(`Could not claim: ${err.message}`, 'error');
    await refreshQueues();
  }
}

// --- the open conversation ----------------------------------------------------

async function openConversation(conversationId) {
  if (state.open && state.open.id !== conversationId) live.unwatch(state.open.id);
  try {
    const data = await api.conversation(conversationId);
    state.outboxOpen = false;
    show($('outbox'), false);
    state.open = { id: conversationId, data, messages: new Map(data.messages.map((m) => [m.id, m])) };
    live.watch(conversationId);
    renderConversation();
    renderQueues();
    $('reply-text').focus();
  } catch (err) {
    toast(err.status === 403 ? 'That conversation is no longer yours to see.' : `Could not open: ${err.message}`, 'warn');
  }
}

/** Re-reads the open conversation (after a reconnect or an escalation change). */
async function reloadConversation() {
  if (!state.open) return;
  try {
    const data = await api.conversation(state.open.id);
    state.open.data = data;
    for (const m of data.messages) state.open.messages.set(m.id, m);
    renderConversation();
  } catch {
    // Lost access (resolved by someone else, transferred): keep what is on screen.
  }
}

function isMine(conv) {
  const e = conv.escalation;
  return !!(e && e.status === 'assigned' && state.session && e.operatorId === state.session.operator.id);
}

function renderConversation() {
  const open = state.open;
  show($('placeholder'), !open && !state.outboxOpen);
  show($('conversation'), !!open && !state.outboxOpen);
  if (!open) return;
  const conv = open.data;
  const mine = isMine(conv);
  const queued = !!(conv.escalation && conv.escalation.status === 'queued');
  $('conv-title').textContent = conv.escalation ? conv.escalation.reason : 'Conversation';
  $('conv-sub').textContent = `${conv.customer && conv.customer.name ? conv.customer.name : 'Web visitor'} · started ${ago(conv.createdAt)}`;
  $('conv-mode').textContent = modeLabel(conv.mode);
  $('conv-mode').className = `badge badge--${conv.mode}`;
  show($('resolve'), mine);
  show($('disposition'), mine);
  show($('transfer'), mine);
  $('reply-text').disabled = !mine;
  $('reply-send').disabled = !mine;
  $('reply-text').placeholder = mine
    ? 'Type a reply… (Enter to send, Shift+Enter for a new line)'
    : queued
      ? 'Claim this conversation to reply.'
      : conv.escalation
        ? 'This conversation is not assigned to you.'
        : 'The bot has this conversation again.';
  clear($('context')).append(...conversationAside(conv));
  if (queued) $('context').prepend(h('button', { type: 'button', class: 'btn btn--primary ctx__claim', onclick: () => claim(conv.escalation) }, 'Claim this conversation'));
  renderMessages();
}

function renderMessages() {
  const list = $('messages');
  const nearBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 80;
  const customer = state.open.data.customer && state.open.data.customer.name;
  const sorted = [...state.open.messages.values()].sort((a, b) => new Date(a.createdAt) - new Date(b.createdAt));
  clear(list).append(...sorted.map((m) => messageItem(m, customer, openFile, state.open.id)));
  if (nearBottom || sorted.length < 3) list.scrollTop = list.scrollHeight;
}

// Types a browser shows without running anything in them. A blob URL has the
// console's origin, so anything else (HTML, SVG…) is downloaded, never opened.
const VIEWABLE = ['image/png', 'image/jpeg', 'image/gif', 'image/webp', 'application/pdf', 'text/plain'];

/** Opens an attachment in a new tab (the tab is opened within the click, so it is not blocked), or downloads it. */
async function openFile(attachmentId, name) {
  let tab = null;
  try {
    tab = window.open('', '_blank');
    const blob = await api.file(attachmentId);
    const viewable = VIEWABLE.includes((blob.type || '').split(';')[0].trim().toLowerCase());
    const href = URL.createObjectURL(viewable ? blob : new Blob([blob], { type: 'application/octet-stream' }));
    if (viewable && tab) tab.location.href = href;
    else {
      if (tab) tab.close();
      const a = h('a', { href, download: name || 'attachment' });
      document.body.append(a);
      a.click();
      a.remove();
    }
    setTimeout(() => URL.revokeObjectURL(href), 60000);
  } catch (err) {
    if (tab) tab.close();
    toast(err.message, 'error');
  }
}

async function sendReply(ev) {
  ev.preventDefault();
  const input = $('reply-text');
  const text = input.value.trim();
  if (!text || !state.open) return;
  $('reply-send').disabled = true;
  try {
    const m = await api.reply(state.open.id, text);
    state.open.messages.set(m.id, { ...state.open.messages.get(m.id), ...m });
    input.value = '';
    renderMessages();
  } catch (err) {
    toast(`Not sent: ${err.message}`, 'error');
  } finally {
    $('reply-send').disabled = !isMine(state.open.data);
    input.focus();
  }
}

async function resolve() {
  const e = state.open && state.open.data.escalation;
  if (!e) return;
  try {
    await api.resolve(e.id, $('disposition').value);
    toast('Resolved. The bot has the conversation again.', 'ok');
    await Promise.all([refreshQueues(), reloadConversation()]);
  } catch (err) {
    toast(`Could not resolve: ${err.message}`, 'error');
  }
}

function startTransfer() {
  const e = state.open && state.open.data.escalation;
  if (e && isMine(state.open.data)) void transfer.open(e);
}

/** Handed on: it is no longer mine to show; the colleague or the queue has it with the note. */
function transferred(e, target) {
  toast(`Transferred to ${target}.`, 'ok');
  if (state.open && state.open.id === e.conversationId) {
    live.unwatch(state.open.id);
    state.open = null;
    renderConversation();
  }
  void refreshQueues();
}

// --- the sandbox outbox --------------------------------------------------------

function showOutbox(visible) {
  state.outboxOpen = visible;
  show($('outbox'), visible);
  renderConversation();
  if (visible) void outbox.refresh();
}

// --- live events --------------------------------------------------------------

function onFrame(frame) {
  const open = state.open;
  switch (frame.type) {
    case 'ready':
      // Events may have been missed while disconnected.
      void refreshQueues();
      void reloadConversation();
      break;
    case 'escalation':
      refreshQueuesSoon();
      if (open && frame.conversationId === open.id) void reloadConversation();
      break;
    case 'message':
      if (open && frame.message.conversationId === open.id) {
        open.messages.set(frame.message.id, frame.message);
        renderMessages();
      }
      break;
    case 'message.status':
      if (open && frame.conversationId === open.id && open.messages.has(frame.messageId)) {
        open.messages.get(frame.messageId).status = frame.status;
        renderMessages();
      }
      break;
    case 'conversation':
      if (open && frame.conversationId === open.id) {
        open.data.mode = frame.mode;
        renderConversation();
      }
      break;
    default:
      break;
  }
}

// --- start ----------------------------------------------------------------------

function wire() {
  $('login-form').addEventListener('submit', signIn);
  $('logout').addEventListener('click', () => signOut());
  $('presence').addEventListener('change', async (ev) => {
    try {
      await api.setPresence(ev.target.value);
      toast(`You are now shown as ${ev.target.selectedOptions[0].textContent.toLowerCase()}.`);
    } catch (err) {
      toast(`Presence not changed: ${err.message}`, 'error');
    }
  });
  $('reply-form').addEventListener('submit', sendReply);
  $('reply-text').addEventListener('keydown', (ev) => {
    if (ev.key === 'Enter' && !ev.shiftKey) {
      ev.preventDefault();
      $('reply-form').requestSubmit();
    }
  });
  $('resolve').addEventListener('click', resolve);
  $('transfer').addEventListener('click', startTransfer);
  $('outbox-open').addEventListener('click', () => showOutbox(true));
  $('outbox-close').addEventListener('click', () => showOutbox(false));
  $('outbox-refresh').addEventListener('click', () => void outbox.refresh());
  setInterval(tickWaitingTimes, 30000);
}

wire();
if (state.session) enterConsole();
else show($('login-view'), true);
