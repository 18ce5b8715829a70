// The official botframework-directlinejs client, unchanged, against our
// Direct Line server: over the WebSocket stream and over polling.
import WebSocket from 'ws';
import XHR from 'xhr2';
import { startGateway, Gateway, DL_SECRET } from '../../helpers/gateway';

// The client is written for browsers: give it the two globals it expects.
Object.assign(globalThis, { XMLHttpRequest: XHR, WebSocket });
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { DirectLine, ConnectionStatus } = require('botframework-directlinejs') as typeof import('botframework-directlinejs');

interface Received {
  type: string;
  text?: string;
  from: { id: string; role?: string };
}

async function token(gw: Gateway): Promise<string> {
  const res = await gw.http.post('/v3/directline/tokens/generate').set('Authorization', `Bearer ${DL_SECRET}`).send({ user: { id: 'dl-user-1' } }).expect(200);
  return res.body.token as string;
}

function chat(gw: Gateway, webSocket: boolean, tok: string) {
  const dl = new DirectLine({ domain: `${gw.url}/v3/directline`, token: tok, webSocket, pollingInterval: 200 });
  const received: Received[] = [];
  const sub = dl.activity$.subscribe((a) => received.push(a as Received));
  const waitFor = (pred: (a: Received) => boolean, ms = 8000) =>
    new Promise<Received>((resolve, reject) => {
      const t0 = Date.now();
      const tick = () => {
        const hit = received.find(pred);
        if (hit) return resolve(hit);
        if (Date.now() - t0 > ms) return reject(new Error(`not received; got: ${received.map((r) => r.text).join(' | ')}`));
        setTimeout(tick, 50);
      };
      tick();
    });
  const send = (text: string) =>
    new Promise<string>((resolve, reject) => {
      dl.postActivity({ type: 'message', from: { id: 'dl-user-1', name: 'Web user' }, text } as never).subscribe({ next: resolve, error: reject });
    });
  const close = () => {
    sub.unsubscribe();
    dl.end();
  };
  return { dl, received, waitFor, send, close };
}

describe('Direct Line with the official client', () => {
  let gw: Gateway;
  beforeAll(async () => {
    gw = await startGateway('dljs');
  });
  afterAll(async () => {
    await gw.close();
  });

  it.each([
    ['WebSocket', true],
    ['polling', false],
  ])('when a customer chats over %s, then the bot greets, echoes the message and answers from the FAQ', async (_name, webSocket) => {
    const c = chat(gw, webSocket, await token(gw));
    try {
      await c.waitFor((a) => a.from.role === 'bot' && /How can I help/.test(a.text ?? ''));
      const id = await c.send('what are your opening hours');
      expect(id).toMatch(/^[a-f0-9]{24}$/);
      const echo = await c.waitFor((a) => a.from.id === 'dl-user-1' && a.text === 'what are your opening hours');
      expect(echo.type).toBe('message');
      const answer = await c.waitFor((a) => /Monday to Saturday/.test(a.text ?? ''));
      expect(answer.from.role).toBe('bot');
      // Each activity arrives once and in order: greeting, question, answer.
      const texts = c.received.map((a) => a.text);
      expect(texts.filter((t) => t === 'what are your opening hours')).toHaveLength(1);
      expect(texts.indexOf('what are your opening hours')).toBeLessThan(texts.findIndex((t) => /Monday to Saturday/.test(t ?? '')));
    } finally {
      c.close();
    }
  });

  it('when the client connects, then its connection status reaches Online', async () => {
    const c = chat(gw, true, await token(gw));
    try {
      await new Promise<void>((resolve) => {
        const s = c.dl.connectionStatus$.subscribe((st) => {
          if (st === ConnectionStatus.Online) {
            s.unsubscribe();
            resolve();
          }
        });
      });
    } finally {
      c.close();
    }
  });
});
