// The Vala Telecom demo page: gets a Direct Line token from our own server
// (POST /webchat/session, so the site secret stays there) and renders
// Microsoft's Web Chat against the gateway's Direct Line API. The session
// (token + conversation) lives in sessionStorage so a reload resumes the chat.
// `?transport=polling` uses HTTP polling instead of the WebSocket stream.
(function () {
  'use strict';

  const STORAGE_KEY = 'vala.webchat.session';
  const REFRESH_EVERY_MS = 15 * 60 * 1000;
  // A token this close to expiry is not worth resuming with.
  const EXPIRY_MARGIN_MS = 60 * 1000;
  const DIRECT_LINE = location.origin + '/v3/directline';

  const el = {
    chat: document.getElementById('webchat'),
    status: document.getElementById('chat-status'),
    error: document.getElementById('chat-error'),
    restart: document.getElementById('restart'),
    topics: document.getElementById('topics'),
  };

  const styleOptions = {
    accentColor: '#0f766e',
    backgroundColor: '#f7f9fb',
    bubbleBackground: '#ffffff',
    bubbleBorderColor: '#e2e8f0',
    bubbleBorderRadius: 12,
    bubbleFromUserBackground: '#0f766e',
    bubbleFromUserTextColor: '#ffffff',
    bubbleFromUserBorderColor: '#0f766e',
    bubbleFromUserBorderRadius: 12,
    botAvatarInitials: 'V',
    botAvatarBackgroundColor: '#0b2239',
    userAvatarInitials: 'You',
    userAvatarBackgroundColor: '#99c9c3',
    avatarSize: 36,
    hideUploadButton: true,
    sendBoxBackground: '#ffffff',
    sendBoxButtonColor: '#0f766e',
    sendBoxHeight: 52,
    suggestedActionBorderRadius: 18,
    suggestedActionBorderColor: '#0f766e',
    suggestedActionTextColor: '#0f766e',
    suggestedActionLayout: 'flow',
    primaryFont: "'Inter', 'Segoe UI', system-ui, -apple-system, sans-serif",
    rootHeight: '100%',
    rootWidth: '100%',
  };

  function setStatus(text) {
    el.status.textContent = text;
  }

  function showError(text) {
    el.error.textContent = text;
    el.error.hidden = !text;
  }

  // --- the stored session -------------------------------------------------

  function loadSession() {
    try {
      const s = JSON.parse(sessionStorage.getItem(STORAGE_KEY) || 'null');
      if (s && s.token && s.conversationId && s.userId && s.expiresAt > Date.now() + EXPIRY_MARGIN_MS) return s;
    } catch {
      // Unreadable storage: start again.
    }
    sessionStorage.removeItem(STORAGE_KEY);
    return null;
  }

  function saveSession(s) {
    sessionStorage.setItem(STORAGE_KEY, JSON.stringify(s));
  }

  function withExpiry(body, userId) {
    return {
      conversationId: body.conversationId,
      token: body.token,
      userId: userId || body.userId,
      expiresAt: Date.now() + Number(body.expires_in || 0) * 1000,
    };
  }

  async function postJson(url, body, token) {
    const headers = { 'Content-Type': 'application/json', Accept: 'application/json' };
    if (token) headers.Authorization = 'Bearer ' + token;
    const res = await fetch(url, { method: 'POST', headers, body: JSON.stringify(body || {}) });
    const data = await res.json().catch(() => ({}));
    if (!res.ok) {
      const err = new Error(data.detail || 'request failed (' + res.status + ')');
      err.status = res.status;
      throw err;
    }
    return data;
  }

  async function newSession() {
    const body = await postJson('/webchat/session', { locale: navigator.language || 'en' });
    return withExpiry(body);
  }

  /** A fresh token for the same conversation, or null when the old one is no longer accepted. */
  async function refreshSession(s) {
    try {
      const body = await postJson(DIRECT_LINE + '/tokens/refresh', {}, s.token);
      return withExpiry(body, s.userId);
    } catch (err) {
      if (err.status === 401 || err.status === 403 || err.status === 404) return null;
      throw err;
    }
  }

  // --- Web Chat -------------------------------------------------------------

  function watchConnection(directLine) {
    // Direct Line connection status: 0 uninitialized, 1 connecting, 2 online, 3 expired token, 4 failed, 5 ended.
    const labels = ['Connecting…', 'Connecting…', 'Online · we usually reply instantly', 'Reconnecting…', 'Offline', 'Conversation ended'];
    directLine.connectionStatus$.subscribe({
      next(status) {
        setStatus(labels[status] || '');
        if (status === 3 || status === 4) showError('The chat lost its connection. Press "New chat" to start again.');
        else if (status === 2) showError('');
      },
    });
  }

  /** Operators speak from the bot's side of the chat; their name beside the timestamp says who is answering. */
  function activityStatusMiddleware() {
    return (next) => (options) => {
      const status = next(options);
      const a = options.activity;
      const fromOperator = a && a.from && a.from.role === 'bot' && a.channelData && a.channelData.author === 'operator' && a.from.name;
      if (!fromOperator || !status || !status.$$typeof) return status;
      // The bundle keeps its React private; a <span> element is built in the
      // shape of the one Web Chat gave us (same $$typeof), children as plain text.
      // A grouped message's timestamp is hidden, so it gets the name alone.
      const children = options.hideTimestamp ? [a.from.name, status] : [a.from.name + ' · ', status];
      return { $$typeof: status.$$typeof, type: 'span', key: null, ref: null, _owner: null, props: { className: 'operator-status', children } };
    };
  }

  function render(session, resumed) {
    const useWebSocket = new URLSearchParams(location.search).get('transport') !== 'polling';
    const directLine = window.WebChat.createDirectLine({
      domain: DIRECT_LINE,
      token: session.token,
      webSocket: useWebSocket,
      // Reconnecting to a known conversation replays its history instead of starting (and greeting) again.
      conversationId: resumed ? session.conversationId : undefined,
    });
    const store = window.WebChat.createStore();
    window.WebChat.renderWebChat(
      { directLine, store, userID: session.userId, locale: navigator.language || 'en-US', styleOptions, activityStatusMiddleware },
      el.chat,
    );
    watchConnection(directLine);
    return store;
  }

  function keepFresh(session) {
    let current = session;
    setInterval(async () => {
      try {
        const next = await refreshSession(current);
        if (next) {
          current = next;
          saveSession(current);
        } else {
          sessionStorage.removeItem(STORAGE_KEY);
        }
      } catch {
        // A network hiccup: the next round tries again, and the token is valid for longer than one round.
      }
    }, REFRESH_EVERY_MS);
  }

  function wireTopics(store) {
    el.topics.addEventListener('click', (e) => {
      const button = e.target.closest('button[data-ask]');
      if (!button) return;
      store.dispatch({ type: 'WEB_CHAT/SEND_MESSAGE', payload: { text: button.dataset.ask } });
      const input = el.chat.querySelector('input, textarea');
      if (input) input.focus();
    });
  }

  async function start() {
    if (!window.WebChat) {
      showError('The chat could not load. Please reload the page.');
      return;
    }
    el.restart.addEventListener('click', () => {
      sessionStorage.removeItem(STORAGE_KEY);
      location.reload();
    });
    try {
      const stored = loadSession();
      // A stored token is swapped for a fresh one; one the server refuses (expired, conversation gone) means a new chat.
      let session = stored ? await refreshSession(stored).catch(() => stored) : null;
      const resumed = !!session;
      if (!session) session = await newSession();
      saveSession(session);
      const store = render(session, resumed);
      wireTopics(store);
      keepFresh(session);
    } catch (err) {
      setStatus('Offline');
      showError(err.status === 429 ? 'Too many chats were started from your network. Please try again in a minute.' : 'The chat is unavailable right now. Please try again shortly.');
    }
  }

  start();
})();
