// The console's live channel (/console/socket): authenticates with the
// operator's token, re-watches conversations after a reconnect, and
// reconnects with exponential backoff (1 s doubling to 30 s, with jitter).

const PING_EVERY_MS = 25000;
const MAX_BACKOFF_MS = 30000;

export class LiveSocket {
  /**
   * @param {{ getToken: () => string | null, onFrame: (frame: object) => void,
   *           onStatus: (live: boolean) => void, onSessionExpired: () => void }} handlers
   */
  constructor(handlers) {
    this.handlers = handlers;
    this.ws = null;
    this.watching = new Set();
    this.attempt = 0;
    this.stopped = true;
    this.retryTimer = null;
    this.pingTimer = null;
  }

  start() {
    this.stopped = false;
    this.connect();
  }

  stop() {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    clearInterval(this.pingTimer);
    if (this.ws) this.ws.close(1000, 'signed out');
    this.ws = null;
    this.watching.clear();
  }

  watch(conversationId) {
    this.watching.add(conversationId);
    this.send({ type: 'watch', conversationId });
  }

  unwatch(conversationId) {
    this.watching.delete(conversationId);
    this.send({ type: 'unwatch', conversationId });
  }

  send(frame) {
    if (this.ws && this.ws.readyState === WebSocket.OPEN && this.ready) this.ws.send(JSON.stringify(frame));
  }

  connect() {
    const token = this.handlers.getToken();
    if (this.stopped || !token) return;
    const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/console/socket`;
    const ws = new WebSocket(url);
    this.ws = ws;
    this.ready = false;
    ws.addEventListener('open', () => ws.send(JSON.stringify({ type: 'auth', token })));
    ws.addEventListener('message', (ev) => this.receive(ev.data));
    ws.addEventListener('close', (ev) => this.closed(ws, ev));
  }

  receive(raw) {
    let frame;
    try {
      frame = JSON.parse(raw);
    } catch {
      return;
    }
    if (frame.type === 'ready') {
      this.ready = true;
      this.attempt = 0;
      for (const id of this.watching) this.send({ type: 'watch', conversationId: id });
      clearInterval(this.pingTimer);
      this.pingTimer = setInterval(() => this.send({ type: 'ping' }), PING_EVERY_MS);
      this.handlers.onStatus(true);
    }
    this.handlers.onFrame(frame);
  }

  closed(ws, ev) {
    if (ws !== this.ws) return;
    clearInterval(this.pingTimer);
    this.ready = false;
    this.handlers.onStatus(false);
    if (this.stopped) return;
    // 4401: the server refused the session; reconnecting with it cannot help.
    if (ev.code === 4401) {
      this.handlers.onSessionExpired();
      return;
    }
    const delay = Math.min(MAX_BACKOFF_MS, 1000 * 2 ** this.attempt) * (0.75 + Math.random() * 0.5);
    this.attempt++;
    this.retryTimer = setTimeout(() => this.connect(), delay);
  }
}
