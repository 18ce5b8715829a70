// Small DOM and formatting helpers for the operator console. Everything the
// console shows goes through h(), which only ever creates text nodes for
// strings: customer text can never become markup.

/** h('li', {class: 'card', onclick: fn}, 'text', childNode, [more]) */
export function h(tag, props, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(props || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'class') el.className = value;
    else if (key === 'dataset') Object.assign(el.dataset, value);
    else if (key.startsWith('on') && typeof value === 'function') el.addEventListener(key.slice(2), value);
    else if (key === 'text') el.textContent = value;
    else el.setAttribute(key, value === true ? '' : String(value));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children) {
    if (c === undefined || c === null || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

export function clear(el) {
  while (el.firstChild) el.removeChild(el.firstChild);
  return el;
}

export function show(el, visible) {
  el.hidden = !visible;
}

const CHANNELS = { webchat: 'Web chat', sms: 'SMS', whatsapp: 'WhatsApp', voice: 'Voice', email: 'Email' };

export function channelLabel(channel) {
  return CHANNELS[channel] || channel || 'Unknown';
}

export function priorityLabel(priority) {
  if (priority >= 2) return 'Urgent';
  if (priority === 1) return 'High';
  return 'Normal';
}

/** "just now", "4 min", "1 h 12 min" (how long since `date`) */
export function since(date, now = Date.now()) {
  const minutes = Math.floor((now - new Date(date).getTime()) / 60000);
  if (!(minutes >= 1)) return 'just now';
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  return `${hours} h ${minutes % 60} min`;
}

/** "waiting 4 min", "waiting <1 min" */
export function waiting(date, verb = 'waiting') {
  const s = since(date);
  return `${verb} ${s === 'just now' ? '<1 min' : s}`;
}

/** "just now", "4 min ago" */
export function ago(date) {
  const s = since(date);
  return s === 'just now' ? s : `${s} ago`;
}

/** Long texts (bot answers in a context list) cut at a word boundary. */
export function truncate(text, max = 140) {
  const t = String(text || '');
  if (t.length <= max) return t;
  const cut = t.slice(0, max);
  return `${cut.slice(0, Math.max(cut.lastIndexOf(' '), max - 20))}…`;
}

export function clock(date) {
  return new Date(date).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
}

const STATUS = {
  queued: 'Sending…',
  sent: 'Sent',
  delivered: 'Delivered',
  read: 'Read',
  failed: 'Failed',
  received: '',
};

export function statusLabel(status) {
  return STATUS[status] ?? status;
}

export function authorLabel(message, customerName) {
  switch (message.author) {
    case 'customer':
      return customerName || message.authorName || 'Customer';
    case 'bot':
      return 'Bot';
    case 'operator':
      return message.authorName || 'Operator';
    case 'system':
      return 'System';
    default:
      return message.author || '';
  }
}

/** A readable name for a customer: name, else the first identity, else the channel address. */
export function customerName(customer, fallback) {
  if (customer && customer.name) return customer.name;
  const first = customer && customer.identities && customer.identities[0];
  if (first && first.value) return first.kind === 'web' ? 'Web visitor' : first.value;
  return fallback || 'Customer';
}
