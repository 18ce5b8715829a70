// The sandbox outbox: without Twilio or email credentials nothing leaves the
// gateway, and this view shows what would have been sent — SMS and WhatsApp
// (operators and supervisors) and email (supervisors). Refreshed on demand.
import { h, clear, show, channelLabel, clock, ago } from './dom.js';
import { hasRole } from './api.js';

export const OUTBOX_ROLES = { messaging: ['operator', 'supervisor'], email: ['supervisor'] };

function when(date) {
  return h('time', { datetime: date, title: new Date(date).toLocaleString() }, `${clock(date)} · ${ago(date)}`);
}

function openButton(conversationId, onOpen) {
  return conversationId ? h('button', { type: 'button', class: 'btn btn--secondary btn--small', onclick: () => onOpen(conversationId) }, 'Open conversation') : null;
}

function messageEntry(o, onOpen) {
  return h(
    'li',
    { class: 'outbox__item', dataset: { messageId: o.messageId, conversationId: o.conversationId } },
    h('div', { class: 'outbox__meta' }, h('span', { class: `chip chip--${o.channel}` }, channelLabel(o.channel)), h('span', { class: 'outbox__to' }, `To ${o.to}`), o.from ? h('span', { class: 'muted' }, `from ${o.from}`) : null, when(o.createdAt)),
    h('div', { class: 'outbox__text' }, o.body),
    openButton(o.conversationId, onOpen),
  );
}

/** "Ana <ana@example.com>" or the bare address. */
function address(a) {
  if (!a) return '';
  return a.name ? `${a.name} <${a.address}>` : a.address || '';
}

function mailEntry(m, onOpen) {
  const to = [...(m.to || []), ...(m.cc || [])].map(address).join(', ');
  return h(
    'li',
    { class: 'outbox__item', dataset: { conversationId: m.conversationId || '' } },
    h('div', { class: 'outbox__meta' }, h('span', { class: 'chip chip--email' }, 'Email'), h('span', { class: 'outbox__to' }, `To ${to || '—'}`), m.from ? h('span', { class: 'muted' }, `from ${address(m.from)}`) : null, when(m.createdAt || m.date)),
    h('div', { class: 'outbox__subject' }, m.subject || '(no subject)'),
    h('div', { class: 'outbox__text' }, m.text || ''),
    m.attachments && m.attachments.length ? h('div', { class: 'muted' }, `Attachments: ${m.attachments.map((a) => a.filename).join(', ')}`) : null,
    openButton(m.conversationId, onOpen),
  );
}

/**
 * @param {{ api: ReturnType<import('./api.js').createApi>, getOperator: () => object | null,
 *           onOpenConversation: (conversationId: string) => void, toast: (text: string, kind?: string) => void }} deps
 */
export function createOutbox({ api, getOperator, onOpenConversation, toast }) {
  const $ = (id) => document.getElementById(id);

  const may = (what) => hasRole(getOperator(), OUTBOX_ROLES[what]);

  function fill(what, rows, render) {
    clear($(`outbox-${what}-list`)).append(...rows.map((r) => render(r, onOpenConversation)));
    $(`outbox-${what}-count`).textContent = String(rows.length);
    show($(`outbox-${what}-empty`), rows.length === 0);
  }

  async function refresh() {
    show($('outbox-sms'), may('messaging'));
    show($('outbox-email'), may('email'));
    $('outbox-refresh').disabled = true;
    try {
      const [messages, mails] = await Promise.all([may('messaging') ? api.messagingOutbox() : [], may('email') ? api.emailOutbox() : []]);
      if (may('messaging')) fill('sms', messages, messageEntry);
      if (may('email')) fill('email', mails, mailEntry);
      $('outbox-updated').textContent = `Updated ${clock(new Date())}`;
    } catch (err) {
      if (err.status !== 401) toast(`Could not load the outbox: ${err.message}`, 'error');
    } finally {
      $('outbox-refresh').disabled = false;
    }
  }

  return {
    /** Whether the signed-in operator may see any part of the outbox. */
    allowed: () => may('messaging') || may('email'),
    refresh,
  };
}
