// The transfer dialog: hand the open conversation on to a colleague or back
// to a queue, with a note the next operator reads in the context panel.
// It asks the server whom the escalation can go to each time it opens.
import { h, clear, show } from './dom.js';

const PRESENCE = { available: 'available', busy: 'busy', away: 'away', offline: 'offline' };
const PRESENCE_ORDER = ['available', 'busy', 'away', 'offline'];

function operatorOption(o) {
  const presence = PRESENCE[o.presence] || o.presence || '';
  const skills = o.skills && o.skills.length ? ` — ${o.skills.join(', ')}` : '';
  return h('option', { value: o.id }, `${o.name}${presence ? ` (${presence})` : ''}${skills}`);
}

function queueOption(q) {
  return h('option', { value: q.name }, `${q.name} · ${q.waiting} waiting`);
}

/**
 * @param {{ api: ReturnType<import('./api.js').createApi>, onDone: (escalation: object, target: string) => void }} deps
 */
export function createTransferDialog({ api, onDone }) {
  const $ = (id) => document.getElementById(id);
  const dialog = $('transfer-dialog');
  let escalation = null;
  let names = new Map();

  const kind = () => (dialog.querySelector('input[name="transfer-kind"]:checked') || {}).value || 'operator';

  function syncKind() {
    const toOperator = kind() === 'operator';
    show($('transfer-operator-field'), toOperator);
    show($('transfer-queue-field'), !toOperator);
  }

  function fail(text) {
    $('transfer-error').textContent = text;
    show($('transfer-error'), true);
  }

  async function open(e) {
    escalation = e;
    $('transfer-form').reset();
    show($('transfer-error'), false);
    clear($('transfer-operator'));
    clear($('transfer-queue'));
    syncKind();
    $('transfer-submit').disabled = true;
    dialog.showModal();
    try {
      const targets = await api.transferTargets(e.id);
      const operators = [...targets.operators].sort((a, b) => PRESENCE_ORDER.indexOf(a.presence) - PRESENCE_ORDER.indexOf(b.presence) || a.name.localeCompare(b.name));
      names = new Map(operators.map((o) => [o.id, o.name]));
      $('transfer-operator').append(...operators.map(operatorOption));
      $('transfer-queue').append(...targets.queues.map(queueOption));
      if (targets.queues.some((q) => q.name === e.queue)) $('transfer-queue').value = e.queue;
      if (!operators.length) {
        $('transfer-operator').append(h('option', { value: '', disabled: true }, 'No colleague can take it'));
        dialog.querySelector('input[name="transfer-kind"][value="queue"]').checked = true;
        syncKind();
      }
      $('transfer-submit').disabled = false;
    } catch (err) {
      fail(err.status === 403 ? 'This conversation is no longer yours to transfer.' : `Could not load colleagues and queues: ${err.message}`);
    }
  }

  async function submit(ev) {
    ev.preventDefault();
    if (!escalation) return;
    const note = $('transfer-note').value.trim();
    const toOperator = kind() === 'operator';
    const value = toOperator ? $('transfer-operator').value : $('transfer-queue').value;
    if (!value) return fail(toOperator ? 'Choose a colleague.' : 'Choose a queue.');
    const target = toOperator ? names.get(value) || 'your colleague' : `the ${value} queue`;
    $('transfer-submit').disabled = true;
    try {
      const moved = await api.transfer(escalation.id, { ...(toOperator ? { operatorId: value } : { queue: value }), ...(note ? { note } : {}) });
      dialog.close();
      onDone(moved, target);
    } catch (err) {
      fail(err.status === 409 ? 'It changed hands meanwhile; nothing was transferred.' : `Not transferred: ${err.message}`);
    } finally {
      $('transfer-submit').disabled = false;
    }
  }

  for (const radio of dialog.querySelectorAll('input[name="transfer-kind"]')) radio.addEventListener('change', syncKind);
  $('transfer-form').addEventListener('submit', submit);
  $('transfer-cancel').addEventListener('click', () => dialog.close());
  dialog.addEventListener('close', () => (escalation = null));

  return { open };
}
