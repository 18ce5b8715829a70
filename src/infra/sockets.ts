// One upgrade listener for the HTTP server that hands each WebSocket path to
// its handler (Direct Line streams, the operator console). Unknown paths and
// refused upgrades get a plain HTTP error and the socket is closed.
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, WebSocket } from 'ws';
import { AppError } from './errors';
import type { Logger } from './logger';

export interface SocketRoute {
  match(pathname: string): Record<string, string> | null;
  /** Throw an AppError to refuse the upgrade (403, 404…). */
  accept(req: IncomingMessage, url: URL, params: Record<string, string>): Promise<(ws: WebSocket) => void>;
}

export function attachSockets(server: Server, routes: SocketRoute[], logger: Logger, opts: { heartbeatMs?: number } = {}): WebSocketServer {
  const wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 });
  const refuse = (socket: Duplex, status: number, text: string) => {
    socket.write(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    socket.destroy();
  };
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    for (const route of routes) {
      const params = route.match(url.pathname);
      if (!params) continue;
      route
        .accept(req, url, params)
        .then((onOpen) =>
          wss.handleUpgrade(req, socket, head, (ws) => {
            // handleUpgrade does not emit 'connection' by itself; the heartbeat below counts on it.
            wss.emit('connection', ws, req);
            onOpen(ws);
          }),
        )
        .catch((err: unknown) => {
          if (err instanceof AppError) return refuse(socket, err.status, err.title);
          logger.error({ err }, 'websocket upgrade failed');
          refuse(socket, 500, 'Internal Server Error');
        });
      return;
    }
    refuse(socket, 404, 'Not Found');
  });
  // Keep idle connections alive through proxies and notice dead peers: a
  // socket that has not answered the last ping by the next one is dropped.
  const alive = new WeakSet<WebSocket>();
  wss.on('connection', (ws) => {
    alive.add(ws);
    ws.on('pong', () => alive.add(ws));
  });
  const timer = setInterval(() => {
    for (const ws of wss.clients) {
      if (!alive.has(ws)) {
        ws.terminate();
        continue;
      }
      alive.delete(ws);
      ws.ping();
    }
  }, opts.heartbeatMs ?? 30000);
  timer.unref();
  wss.on('close', () => clearInterval(timer));
  return wss;
}
