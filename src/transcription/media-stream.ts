// WS /twilio/media-stream: Twilio Media Streams. The `start` message must
// carry the conversation and the token our own TwiML gave the call
// (customParameters: an HMAC of both), so nobody else can push audio into a
// conversation and no lookup delays the audio; a socket that never sends a
// valid start is closed. Each track (caller, agent) goes to Deepgram live,
// and its transcript segments go out on the realtime bus for the console;
// final ones are kept on the Call. Garbage frames are counted and dropped.
import { timingSafeEqual } from 'node:crypto';
import type { WebSocket } from 'ws';
import type { CallsService } from '../channels/voice/calls.service';
import { streamToken } from '../channels/voice/twiml';
import type { VoiceMetrics } from '../channels/voice/metrics';
import type { Bus } from '../infra/bus';
import type { Logger } from '../infra/logger';
import type { SocketRoute } from '../infra/sockets';
import type { Deepgram } from './deepgram';
import { LiveTrack, Segment } from './live';

export interface MediaStreamDeps {
  calls: CallsService;
  bus: Bus;
  logger: Logger;
  metrics: VoiceMetrics;
  deepgram: Deepgram | null;
  model: string;
  secret: string;
  startTimeoutMs: number;
}

/** Past this many unreadable frames the sender is not Twilio: hang up. */
const MAX_GARBAGE = 50;
/** 20 ms of μ-law is 160 bytes; a frame ten times that is not audio we asked for. */
const MAX_FRAME_BYTES = 1600;

interface Frame {
  event?: unknown;
  start?: { callSid?: unknown; customParameters?: { token?: unknown; conversation?: unknown } };
  media?: { track?: unknown; payload?: unknown };
}

function sameToken(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export function mediaStreamSocket(deps: MediaStreamDeps): SocketRoute {
  return {
    match: (pathname) => (pathname === '/twilio/media-stream' ? {} : null),
    async accept() {
      return (ws: WebSocket) => handle(ws, deps);
    },
  };
}

function handle(ws: WebSocket, deps: MediaStreamDeps): void {
  const { calls, bus, metrics } = deps;
  let log = deps.logger;
  let callSid = '';
  let conversationId = '';
  let started = false;
  let garbage = 0;
  const tracks = new Map<string, LiveTrack>();
  const startTimer = setTimeout(() => {
    if (!started) {
      log.warn('media stream sent no valid start in time: closed');
      ws.close(1008, 'start expected');
    }
  }, deps.startTimeoutMs);

  const junk = (why: string) => {
    garbage++;
    if (garbage === 1) log.warn({ why }, 'media stream: unreadable frame dropped');
    if (garbage > MAX_GARBAGE) ws.close(1003, 'unreadable frames');
  };

  const publish = (seg: Segment) => {
    void bus.publish({ type: 'transcript', conversationId, callSid, ...seg }).catch(() => undefined);
    if (seg.final) void calls.addLiveSegment(callSid, { speaker: seg.speaker, text: seg.text, start: seg.start, end: seg.end }).catch(() => undefined);
  };

  const track = (name: string): LiveTrack | null => {
    if (!deps.deepgram) return null;
    let t = tracks.get(name);
    if (!t) {
      t = new LiveTrack({
        deepgram: deps.deepgram,
        model: deps.model,
        speaker: name === 'outbound' ? 'agent' : 'caller',
        logger: log,
        onSegment: publish,
        onFailure: (reason) => metrics.liveFailures.inc({ reason }),
      });
      tracks.set(name, t);
      void t.start();
    }
    return t;
  };

  const onStart = (frame: Frame) => {
    const sid = typeof frame.start?.callSid === 'string' ? frame.start.callSid : '';
    const { token, conversation } = frame.start?.customParameters ?? {};
    const known = /^CA[0-9a-fA-F]{32}$/.test(sid) && typeof token === 'string' && typeof conversation === 'string' && /^[0-9a-f]{24}$/.test(conversation);
    if (!known || !sameToken(token, streamToken(deps.secret, sid, conversation))) {
      log.warn({ callSid: sid.slice(0, 40) }, 'media stream refused: not a call of ours');
      ws.close(1008, 'unknown stream');
      return;
    }
    callSid = sid;
    conversationId = conversation;
    log = deps.logger.child({ callSid, conversationId });
    started = true;
    clearTimeout(startTimer);
    if (!deps.deepgram) log.info('no DEEPGRAM_API_KEY: media stream accepted without live transcription');
    // The caller's track is there from the first moment: connect now rather than on its first frame.
    track('inbound');
  };

  ws.on('message', (raw, isBinary) => {
    if (isBinary) return junk('binary frame');
    let frame: Frame;
    try {
      frame = JSON.parse(String(raw)) as Frame;
    } catch {
      return junk('not JSON');
    }
    switch (frame?.event) {
      case 'connected':
      case 'mark':
      case 'dtmf':
        return;
      case 'start':
        if (!started) onStart(frame);
        return;
      case 'media': {
        const payload = frame.media?.payload;
        if (typeof payload !== 'string' || payload.length > (MAX_FRAME_BYTES * 4) / 3 + 4) return junk('bad media payload');
        const audio = Buffer.from(payload, 'base64');
        if (!audio.length) return junk('empty media payload');
        const name = frame.media?.track === 'outbound' ? 'outbound' : 'inbound';
        if (started) track(name)?.send(audio);
        return;
      }
      case 'stop':
        ws.close(1000, 'stream stopped');
        return;
      default:
        return junk('unknown event');
    }
  });

  ws.on('close', () => {
    clearTimeout(startTimer);
    for (const t of tracks.values()) t.finish();
    tracks.clear();
  });
  ws.on('error', () => ws.close());
}
