// The Direct Line stream: a WebSocket per client that pushes
// {activities, watermark} whenever the conversation gets a delivered message.
// Bus events carry the message (published by whichever web instance stored
// it); the store is read on connect and to close a gap.
import type { WebSocket } from 'ws';
import type { ConversationsService, MessageDoc } from '../../conversations/conversations.service';
import type { Bus } from '../../infra/bus';
import { ForbiddenError, NotFoundError } from '../../infra/errors';
import type { Logger } from '../../infra/logger';
import type { SocketRoute } from '../../infra/sockets';
import type { DirectLineTokens } from './tokens';
import { parseWatermark } from './directline.routes';
import { toActivity } from './render';
import { attachmentLinker } from './upload';

const PATH = /^\/v3\/directline\/conversations\/([^/]+)\/stream$/;
const GAP_WAIT_MS = 500;

export function directLineStream(deps: {
  conversations: ConversationsService;
  bus: Bus;
  tokens: DirectLineTokens;
  botName: string;
  logger: Logger;
  /** Attachment links handed to clients are absolute on this URL (see upload.ts). */
  publicBaseUrl: string;
}): SocketRoute {
  const { conversations, bus, tokens, botName, logger, publicBaseUrl } = deps;
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
      const link = attachmentLinker(tokens, publicBaseUrl, id);

      return (ws: WebSocket) => {
        // Messages arrive with their bus events, numbered; they are sent in order.
        // One that comes early waits in `early` for the ones before it; the store
        // is read only when a gap stays open (another instance's event lost, a
        // sequence number left unused by a redelivery) or on connect.
        const early = new Map<number, MessageDoc>();
        let reading = false;
        let readAgain = false;
        let gapTimer: NodeJS.Timeout | null = null;
        let closed = false;
        const send = (messages: MessageDoc[]): void => {
          if (messages.length) ws.send(JSON.stringify({ activities: messages.map((m) => toActivity(m, id, botName, link)), watermark: String(watermark) }));
        };
        const flush = (): void => {
          const ready: MessageDoc[] = [];
          for (const seq of [...early.keys()]) if (seq <= watermark) early.delete(seq);
          for (let next = early.get(watermark + 1); next; next = early.get(watermark + 1)) {
            early.delete(next.seq);
            watermark = next.seq;
            ready.push(next);
          }
          send(ready);
          if (early.size && !gapTimer) gapTimer = setTimeout(() => ((gapTimer = null), void read()), GAP_WAIT_MS);
        };
        const read = async (): Promise<void> => {
          if (reading) {
            readAgain = true;
            return;
          }
          reading = true;
          try {
            do {
              readAgain = false;
              const r = await conversations.listSince(conversation._id, watermark);
              if (closed) return;
              if (r.watermark > watermark) {
                watermark = r.watermark;
                send(r.messages);
              }
              flush();
              if (r.pending && !gapTimer) gapTimer = setTimeout(() => ((gapTimer = null), void read()), GAP_WAIT_MS);
            } while (readAgain && !closed);
          } catch (err) {
            logger.warn({ err, conversationId: id }, 'direct line stream: read failed');
          } finally {
            reading = false;
          }
        };
        const off = bus.onConversation(id, (e) => {
          if (e.type !== 'message' || closed) return;
          if (!e.message) return void read();
          if (e.message.seq <= watermark) return;
          early.set(e.message.seq, e.message);
          if (!reading) flush();
        });
        ws.on('close', () => {
          closed = true;
          if (gapTimer) clearTimeout(gapTimer);
          off();
        });
        ws.on('error', () => ws.close());
        // Clients send "" as a keep-alive; nothing else is expected.
        ws.on('message', () => undefined);
        void read();
      };
    },
  };
}
