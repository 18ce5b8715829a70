// The operator console's live channel (WebSocket at /console/socket).
// The first frame authenticates: {"type":"auth","token"}. Then the server
// pushes queue changes to every operator, and messages of the conversations
// an operator watches ({"type":"watch","conversationId"}) once access is checked.
import type { WebSocket } from 'ws';
import { z } from 'zod';
import type { ConversationsService } from '../conversations/conversations.service';
import { messageJson } from '../conversations/conversations.routes';
import type { HandoffService } from '../handoff/handoff.service';
import type { Bus, BusEvent } from '../infra/bus';
import type { Logger } from '../infra/logger';
import type { SocketRoute } from '../infra/sockets';
import type { OperatorsService, Session } from './operators.service';

const frameSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('auth'), token: z.string().max(4000) }),
  z.object({ type: z.literal('watch'), conversationId: z.string().max(50) }),
  z.object({ type: z.literal('unwatch'), conversationId: z.string().max(50) }),
  z.object({ type: z.literal('ping') }),
]);

const AUTH_TIMEOUT_MS = 10000;

export function consoleSocket(deps: {
  operators: OperatorsService;
  handoff: HandoffService;
  conversations: ConversationsService;
  bus: Bus;
  logger: Logger;
}): SocketRoute {
  const { operators, handoff, conversations, bus, logger } = deps;
  return {
    match: (pathname) => (pathname === '/console/socket' ? {} : null),
    async accept() {
      return (ws: WebSocket) => {
        let who: Session | null = null;
        const watching = new Set<string>();
        const send = (data: unknown) => {
          if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(data));
        };
        const authTimer = setTimeout(() => who || ws.close(4401, 'authenticate first'), AUTH_TIMEOUT_MS);

        const onEvent = async (e: BusEvent) => {
          if (!who) return;
          try {
            if (e.type === 'escalation') send({ type: 'escalation', escalationId: e.escalationId, conversationId: e.conversationId, status: e.status, operatorId: e.operatorId });
            else if (!watching.has(e.conversationId)) return;
            else if (e.type === 'message') {
              const m = await conversations.getMessage(e.messageId);
              if (m) send({ type: 'message', message: messageJson(m) });
            } else if (e.type === 'message.status') send({ type: 'message.status', conversationId: e.conversationId, messageId: e.messageId, status: e.status });
            else if (e.type === 'conversation') send({ type: 'conversation', conversationId: e.conversationId, mode: e.mode });
            else if (e.type === 'transcript')
              send({ type: 'transcript', conversationId: e.conversationId, callSid: e.callSid, speaker: e.speaker, text: e.text, final: e.final, start: e.start, end: e.end });
          } catch (err) {
            logger.warn({ err }, 'console socket: event not forwarded');
          }
        };
        const off = bus.onAny((e) => void onEvent(e));

        ws.on('message', async (raw) => {
          let frame;
          try {
            frame = frameSchema.parse(JSON.parse(String(raw)));
          } catch {
            send({ type: 'error', error: 'unreadable frame' });
            return;
          }
          try {
            if (frame.type === 'auth') {
              who = operators.verify(frame.token);
              clearTimeout(authTimer);
              send({ type: 'ready', operatorId: who.operatorId });
            } else if (!who) {
              ws.close(4401, 'authenticate first');
            } else if (frame.type === 'watch') {
              if (await handoff.canSeeConversation(who, frame.conversationId)) {
                watching.add(frame.conversationId);
                send({ type: 'watching', conversationId: frame.conversationId });
              } else send({ type: 'error', error: 'not your conversation', conversationId: frame.conversationId });
            } else if (frame.type === 'unwatch') {
              watching.delete(frame.conversationId);
            } else send({ type: 'pong' });
          } catch {
            send({ type: 'error', error: 'invalid or expired session' });
            ws.close(4401, 'invalid session');
          }
        });
        ws.on('close', () => {
          clearTimeout(authTimer);
          off();
        });
        ws.on('error', () => ws.close());
      };
    },
  };
}
