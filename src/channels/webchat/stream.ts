// The Direct Line stream: a WebSocket per client that pushes
// {activities, watermark} whenever the conversation gets a delivered message.
// Bus events only say "look again"; the store is the source, so a stream on
// any web instance sees messages posted to any other.
import type { WebSocket } from 'ws';
import type { ConversationsService } from '../../conversations/conversations.service';
import type { Bus } from '../../infra/bus';
import { ForbiddenError, NotFoundError } from '../../infra/errors';
import type { Logger } from '../../infra/logger';
import type { SocketRoute } from '../../infra/sockets';
import type { DirectLineTokens } from './tokens';
import { parseWatermark } from './directline.routes';
import { toActivity } from './render';

const PATH = /^\/v3\/directline\/conversations\/([^/]+)\/stream$/;
const GAP_RETRY_MS = 500;

export function directLineStream(deps: { conversations: ConversationsService; bus: Bus; tokens: DirectLineTokens; botName: string; logger: Logger }): SocketRoute {
  const { conversations, bus, tokens, botName, logger } = deps;
  return {
    match(pathname) {
      const m = PATH.exec(pathname);
      return m ? { id: decodeURIComponent(m[1]) } : null;
    },
    async accept(_req, url, { id }) {
      const grant = tokens.verify(url.searchParams.get('t') ?? '');
      if (grant.conversationId !== id) throw new ForbiddenError('token is for another conversation');
      const conversation = await conversations.find(id);
      if (!conversation) throw new NotFoundError('conversation not found');
      let watermark = parseWatermark(url.searchParams.get('watermark') ?? undefined);

      return (ws: WebSocket) => {
        let busy = false;
        let again = false;
        let closed = false;
        const push = async (): Promise<void> => {
          if (busy) {
            again = true;
            return;
          }
          busy = true;
          try {
            do {
              again = false;
              const r = await conversations.listSince(conversation._id, watermark);
              if (closed) return;
              if (r.messages.length) {
                watermark = r.watermark;
                ws.send(JSON.stringify({ activities: r.messages.map((m) => toActivity(m, id, botName)), watermark: String(watermark) }));
              }
              if (r.pending) setTimeout(() => void push(), GAP_RETRY_MS).unref();
            } while (again && !closed);
          } catch (err) {
            logger.warn({ err, conversationId: id }, 'direct line stream: push failed');
          } finally {
            busy = false;
          }
        };
        const off = bus.onConversation(id, (e) => {
          if (e.type !== 'message') return;
          // The usual case: the next message in order came with the event; send it without a read.
          if (!busy && e.message && e.message.seq === watermark + 1) {
            watermark = e.message.seq;
            ws.send(JSON.stringify({ activities: [toActivity(e.message, id, botName)], watermark: String(watermark) }));
            return;
          }
          void push();
        });
        ws.on('close', () => {
          closed = true;
          off();
        });
        ws.on('error', () => ws.close());
        // Clients send "" as a keep-alive; nothing else is expected.
        ws.on('message', () => undefined);
        void push();
      };
    },
  };
}
