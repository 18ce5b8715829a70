// The operator console's live channel (WebSocket at /console/socket).
// The first frame authenticates: {"type":"auth","token"}. Then the server
// pushes queue changes to every operator, and messages of the conversations
// an operator watches ({"type":"watch","conversationId"}) once access is checked.
// An operator with a console open is `available`; when their last console
// (on any web instance; counted in Redis) closes, `offline`.
// A session that ends while its console is open (logout, disabled, roles or
// password changed) closes the socket with 4401 "session ended": at once on
// the bus event, or at the next periodic check if the event was lost.
import type { WebSocket } from 'ws';
import { z } from 'zod';
import type { ConversationsService } from '../conversations/conversations.service';
import { messageJson } from '../conversations/conversations.routes';
import type { HandoffService } from '../handoff/handoff.service';
import type { Bus, BusEvent } from '../infra/bus';
import type { Logger } from '../infra/logger';
import type { Redis } from '../infra/redis';
import type { SocketRoute } from '../infra/sockets';
import type { OperatorsService, SignedSession } from './operators.service';

const frameSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('auth'), token: z.string().max(4000) }),
  z.object({ type: z.literal('watch'), conversationId: z.string().max(50) }),
  z.object({ type: z.literal('unwatch'), conversationId: z.string().max(50) }),
  z.object({ type: z.literal('ping') }),
]);

const AUTH_TIMEOUT_MS = 10000;
/** How often an open console asks whether its session still stands (answered from a ≤ 5 s cache). */
const SESSION_RECHECK_MS = 1000;
/** The close code for a session that was refused or has ended: the console signs out rather than reconnects. */
export const SESSION_ENDED = 4401;
/** A count of open consoles outlives a crashed instance by at most this. */
const CONSOLE_COUNT_TTL_S = 24 * 3600;

export function consoleSocket(deps: {
  operators: OperatorsService;
  handoff: HandoffService;
  conversations: ConversationsService;
  bus: Bus;
  logger: Logger;
  redis: Redis;
  prefix: string;
  recheckMs?: number;
}): SocketRoute {
  const { operators, handoff, conversations, bus, logger, redis, prefix } = deps;
  const recheckMs = deps.recheckMs ?? SESSION_RECHECK_MS;
  const consoles = (operatorId: string) => `${prefix}:consoles:${operatorId}`;
  const opened = async (operatorId: string) => {
    const key = consoles(operatorId);
    const [[, n]] = (await redis.multi().incr(key).expire(key, CONSOLE_COUNT_TTL_S).exec()) as [[null, number]];
    // The first console to open says the operator is here; a second tab keeps what they set (away, busy).
    if (n === 1) await operators.setPresence(operatorId, 'available');
  };
  const closed = async (operatorId: string) => {
    if ((await redis.decr(consoles(operatorId))) > 0) return;
    await redis.del(consoles(operatorId));
    await operators.setPresence(operatorId, 'offline');
  };
  return {
    match: (pathname) => (pathname === '/console/socket' ? {} : null),
    async accept() {
      return (ws: WebSocket) => {
        let who: SignedSession | null = null;
        let recheck: NodeJS.Timeout | null = null;
        const ended = () => {
          send({ type: 'error', error: 'the session has ended; sign in again' });
          ws.close(SESSION_ENDED, 'session ended');
        };
        const checkSession = async (fresh: boolean) => {
          if (who && ws.readyState === ws.OPEN && !(await operators.stillValid(who, { fresh }))) ended();
        };
        const watching = new Set<string>();
        const send = (data: unknown) => {
          if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(data));
        };
        const authTimer = setTimeout(() => who || ws.close(4401, 'authenticate first'), AUTH_TIMEOUT_MS);

        const onEvent = async (e: BusEvent) => {
          if (!who) return;
          try {
            if (e.type === 'operator.sessions') {
              if (e.operatorId === who.operatorId) await checkSession(true);
            } else if (e.type === 'escalation') send({ type: 'escalation', escalationId: e.escalationId, conversationId: e.conversationId, status: e.status, operatorId: e.operatorId });
            else if (!watching.has(e.conversationId)) return;
            else if (e.type === 'message') {
              const m = e.message ?? (await conversations.getMessage(e.messageId));
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
              if (who) return void send({ type: 'error', error: 'already authenticated' });
              who = await operators.authenticate(frame.token);
              clearTimeout(authTimer);
              recheck = setInterval(() => void checkSession(false).catch((err: Error) => logger.warn({ err }, 'console socket: session check failed')), recheckMs);
              await opened(who.operatorId);
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
          if (recheck) clearInterval(recheck);
          off();
          if (who) closed(who.operatorId).catch((err: Error) => logger.warn({ err }, 'console socket: presence not updated'));
        });
        ws.on('error', () => ws.close());
      };
    },
  };
}
