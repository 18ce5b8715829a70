// The console's HTTP client: the operator session (bearer token kept in
// sessionStorage) and the JSON API. Problems (application/problem+json)
// become ApiError with the HTTP status and the server's detail.

const SESSION_KEY = 'sb.console.session';

export class ApiError extends Error {
  constructor(status, detail) {
    super(detail || `request failed (${status})`);
    this.status = status;
  }
}

export function loadSession() {
  try {
    const s = JSON.parse(sessionStorage.getItem(SESSION_KEY) || 'null');
    return s && s.token && s.operator ? s : null;
  } catch {
    return null;
  }
}

export function saveSession(session) {
  if (session) sessionStorage.setItem(SESSION_KEY, JSON.stringify(session));
  else sessionStorage.removeItem(SESSION_KEY);
}

export function createApi({ getToken, onUnauthorized }) {
  async function call(method, path, body) {
    const headers = { Accept: 'application/json' };
    const token = getToken();
    if (token) headers.Authorization = `Bearer ${token}`;
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    const res = await fetch(`/api${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const data = await res.json().catch(() => null);
    if (!res.ok) {
      if (res.status === 401 && token) onUnauthorized();
      throw new ApiError(res.status, data && data.detail);
    }
    return data;
  }

  /** One of our stored attachments, by its id, as a Blob (never a URL: customers give URLs). */
  async function file(attachmentId) {
    const token = getToken();
    // inline=1: the real type for the few types a browser shows without running anything; others stay octet-stream.
    const res = await fetch(`/api/attachments/${encodeURIComponent(attachmentId)}?inline=1`, { headers: token ? { Authorization: `Bearer ${token}` } : {} });
    if (!res.ok) {
      if (res.status === 401 && token) onUnauthorized();
      throw new ApiError(res.status, `the file could not be opened (${res.status})`);
    }
    return res.blob();
  }

  const id = (x) => encodeURIComponent(x);
  return {
    file,
    login: (email, password) => call('POST', '/auth/login', { email, password }),
    queued: () => call('GET', '/escalations?status=queued'),
    mine: () => call('GET', '/escalations?status=assigned&mine=true'),
    claim: (escalationId) => call('POST', `/escalations/${id(escalationId)}/claim`, {}),
    resolve: (escalationId, disposition) => call('POST', `/escalations/${id(escalationId)}/resolve`, { disposition }),
    transferTargets: (escalationId) => call('GET', `/escalations/${id(escalationId)}/transfer-targets`),
    /** to: { operatorId } or { queue }, with an optional note. */
    transfer: (escalationId, to) => call('POST', `/escalations/${id(escalationId)}/transfer`, to),
    setPresence: (presence) => call('PUT', '/me/presence', { presence }),
    messagingOutbox: () => call('GET', '/messaging/outbox?limit=100'),
    emailOutbox: () => call('GET', '/email/outbox'),
    conversation: (conversationId) => call('GET', `/conversations/${id(conversationId)}`),
    reply: (conversationId, text) => call('POST', `/conversations/${id(conversationId)}/messages`, { text }),
  };
}

/** The server's role check, for showing only what a role may use: admin passes every check. */
export function hasRole(operator, roles) {
  const mine = (operator && operator.roles) || [];
  return mine.includes('admin') || roles.some((r) => mine.includes(r));
}
