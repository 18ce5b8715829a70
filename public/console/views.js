// Renderers for the console: data in, DOM out, callbacks for actions. They
// hold no state, so the full console can reuse them in other layouts.
import { h, channelLabel, priorityLabel, waiting, truncate, clock, statusLabel, authorLabel, customerName, ago } from './dom.js';

function customerOf(e) {
  const c = (e.context && e.context.customer) || {};
  return c.name || (c.address && !/^(web|dl)_/.test(c.address) ? c.address : 'Web visitor');
}

/** "Ana → Besnik", "Ana → queue billing" */
function transferRoute(t) {
  const to = t.toOperator ? t.toName || 'a colleague' : `queue ${t.toQueue}`;
  return `${t.fromName || 'An operator'} → ${to}`;
}

/** Hand-ons, newest first, each with the note left for whoever takes it next. */
function transfersBlock(transfers) {
  if (!transfers || !transfers.length) return null;
  return [
    h('h4', {}, `Transfers (${transfers.length})`),
    h(
      'ol',
      { class: 'ctx__transfers' },
      [...transfers].reverse().map((t) =>
        h(
          'li',
          {},
          h('span', { class: 'ctx__route' }, transferRoute(t)),
          ' ',
          h('span', { class: 'muted' }, `· ${ago(t.at)}`),
          t.note ? h('p', { class: 'ctx__note' }, t.note) : null,
        ),
      ),
    ),
  ];
}

/** The last hand-on as one line on a card: who passed it on and their note. */
function transferLine(e) {
  const t = e.transfers && e.transfers[e.transfers.length - 1];
  if (!t) return null;
  return h('div', { class: 'card__transfer', title: t.note || '' }, `Transferred by ${t.fromName || 'an operator'}`, t.note ? `: “${truncate(t.note, 90)}”` : '');
}

/** The escalation's context: why, what the bot tried, the last messages. */
export function contextBlock(e) {
  const ctx = e.context || {};
  const faq = ctx.faqAttempts || [];
  const last = ctx.lastMessages || [];
  const slots = Object.entries(ctx.slots || {});
  return h(
    'div',
    { class: 'ctx' },
    h('dl', { class: 'ctx__facts' }, h('dt', {}, 'Reason'), h('dd', { class: 'ctx__reason' }, e.reason), h('dt', {}, 'Queue'), h('dd', {}, e.queue || 'general')),
    ctx.summary ? h('p', { class: 'ctx__summary' }, ctx.summary) : null,
    transfersBlock(e.transfers),
    h('h4', {}, `FAQ attempts (${faq.length})`),
    faq.length
      ? h(
          'ul',
          { class: 'ctx__faq' },
          faq.map((f) =>
            h(
              'li',
              { class: f.answered ? 'ok' : 'miss' },
              h('span', { class: 'ctx__q' }, f.question),
              h('span', { class: 'ctx__a' }, f.answered ? `answered · ${f.entryId} · ${Math.round((f.confidence || 0) * 100)}%` : 'not answered'),
            ),
          ),
        )
      : h('p', { class: 'muted' }, 'None.'),
    slots.length ? [h('h4', {}, 'Collected'), h('dl', { class: 'ctx__facts' }, slots.map(([k, v]) => [h('dt', {}, k), h('dd', {}, typeof v === 'string' ? v : JSON.stringify(v))]))] : null,
    ctx.ivrPath && ctx.ivrPath.length ? [h('h4', {}, 'Flow path'), h('p', { class: 'ctx__path' }, ctx.ivrPath.join(' › '))] : null,
    h('h4', {}, 'Last messages'),
    last.length
      ? h(
          'ol',
          { class: 'ctx__last' },
          last.slice(-6).map((m) => h('li', { title: m.text }, h('span', { class: `ctx__who ctx__who--${m.author}` }, m.author), ' ', truncate(m.text))),
        )
      : h('p', { class: 'muted' }, 'None.'),
  );
}

function lastCustomerText(e) {
  const last = ((e.context && e.context.lastMessages) || []).filter((m) => m.author === 'customer').pop();
  return last ? last.text : '';
}

function waitLabel(date, verb) {
  return h('span', { class: 'wait', dataset: { since: date, verb } }, waiting(date, verb));
}

/** A queue or "mine" card. */
export function escalationCard(e, { selected, onOpen, onClaim, mine }) {
  return h(
    'li',
    { class: `card${selected ? ' card--selected' : ''}`, dataset: { escalationId: e.id, conversationId: e.conversationId } },
    h(
      'button',
      { type: 'button', class: 'card__open', onclick: () => onOpen(e), 'aria-label': `Open conversation: ${e.reason}` },
      h(
        'div',
        { class: 'card__top' },
        h('span', { class: `chip chip--${e.channel}` }, channelLabel(e.channel)),
        h('span', { class: `prio prio--${Math.min(2, Math.max(0, e.priority || 0))}` }, priorityLabel(e.priority || 0)),
        waitLabel(mine ? e.assignedAt || e.queuedAt : e.queuedAt, mine ? 'assigned' : 'waiting'),
      ),
      h('div', { class: 'card__reason' }, e.reason),
      h('div', { class: 'card__who' }, customerOf(e)),
      lastCustomerText(e) ? h('div', { class: 'card__snippet' }, `“${truncate(lastCustomerText(e), 90)}”`) : null,
      transferLine(e),
    ),
    mine
      ? null
      : [
          h('details', { class: 'card__ctx' }, h('summary', {}, 'Context'), contextBlock(e)),
          h('button', { type: 'button', class: 'btn btn--primary btn--small card__claim', onclick: () => onClaim(e) }, 'Claim'),
        ],
  );
}

/**
 * The id of one of our own stored attachments, from the links the gateway
 * itself writes: /api/attachments/<id> (email) or a web chat upload of this
 * very conversation. Anything else came from the customer.
 */
export function ownAttachmentId(contentUrl, conversationId) {
  if (typeof contentUrl !== 'string') return null;
  const api = /^\/api\/attachments\/([a-f0-9]{24})$/.exec(contentUrl);
  if (api) return api[1];
  const upload = /^\/v3\/directline\/conversations\/([a-f0-9]{24})\/attachments\/([a-f0-9]{24})$/.exec(contentUrl);
  return upload && upload[1] === conversationId ? upload[2] : null;
}

/**
 * Files that came with a message. Only our own attachments open, by id, with
 * the operator's session (`openFile`); a customer-given URL is shown as plain
 * text: never fetched, never linked, never sent a token.
 */
function attachmentsBlock(attachments, openFile, conversationId) {
  if (!attachments || !attachments.length) return null;
  return h(
    'ul',
    { class: 'msg__files' },
    attachments.map((a) => {
      const label = `📎 ${a.name || 'attachment'}${a.contentType ? ` (${a.contentType})` : ''}`;
      const id = ownAttachmentId(a.contentUrl, conversationId);
      if (id && openFile) return h('li', {}, h('button', { type: 'button', class: 'msg__file', onclick: () => openFile(id, a.name) }, label));
      return h('li', { class: 'muted msg__file--foreign' }, label, a.contentUrl ? ` — ${String(a.contentUrl).slice(0, 300)}` : '');
    }),
  );
}

/** One message in the conversation thread, with its files and its delivery status when we sent it. */
export function messageItem(m, customer, openFile, conversationId) {
  const outbound = m.direction === 'out';
  const status = outbound ? statusLabel(m.status) : '';
  return h(
    'li',
    { class: `msg msg--${m.author}`, dataset: { messageId: m.id, status: m.status } },
    h('div', { class: 'msg__meta' }, h('span', { class: 'msg__author' }, authorLabel(m, customer)), h('time', { datetime: m.createdAt }, clock(m.createdAt))),
    h('div', { class: 'msg__text' }, m.text),
    attachmentsBlock(m.attachments, openFile, conversationId || m.conversationId),
    m.choices && m.choices.length ? h('div', { class: 'msg__choices' }, m.choices.map((c) => h('span', { class: 'msg__choice' }, c.title))) : null,
    status ? h('div', { class: `msg__status msg__status--${m.status}`, title: m.error || '' }, status, m.status === 'failed' && m.error ? `: ${m.error}` : '') : null,
  );
}

/** The side panel of an open conversation: customer and escalation context. */
export function conversationAside(conv) {
  const c = conv.customer;
  return [
    h('h3', {}, 'Customer'),
    h(
      'dl',
      { class: 'ctx__facts' },
      h('dt', {}, 'Name'),
      h('dd', {}, customerName(c, conv.address)),
      h('dt', {}, 'Channel'),
      h('dd', {}, `${channelLabel(conv.channel)}${conv.address ? ` · ${conv.address}` : ''}`),
      h('dt', {}, 'Language'),
      h('dd', {}, conv.language || (c && c.language) || 'en'),
    ),
    h('h3', {}, 'Escalation'),
    conv.escalation ? contextBlock(conv.escalation) : h('p', { class: 'muted' }, 'No open escalation: the bot has this conversation.'),
  ];
}

export function modeLabel(mode) {
  return { bot: 'With the bot', queued: 'Waiting in queue', human: 'With an operator', closed: 'Closed' }[mode] || mode;
}
