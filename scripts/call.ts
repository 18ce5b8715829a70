// `npm run call [-- --from +355691234567 --to +35542200100]`: a phone call in
// the terminal. Plays Twilio's part against a running gateway using only its
// public webhooks: sends signed webhooks, prints what would be said, takes
// keys (digits) or typed "speech", waits in the queue, leaves messages.
// Signs with TWILIO_AUTH_TOKEN, else the gateway's sandbox token
// (VOICE_SANDBOX_AUTH_TOKEN, default "switchboard-voice-sandbox"), over
// PUBLIC_BASE_URL (default http://localhost:$PORT); GATEWAY_URL overrides
// where requests go (when PUBLIC_BASE_URL is a tunnel in front of it).
import { randomBytes } from 'node:crypto';
import readline from 'node:readline/promises';
import { XMLParser } from 'fast-xml-parser';
import twilio from 'twilio';

const args = new Map<string, string>();
process.argv.slice(2).forEach((a, i, all) => a.startsWith('--') && args.set(a.slice(2), all[i + 1] ?? ''));
const env = process.env;
const PUBLIC = (env.PUBLIC_BASE_URL ?? `http://localhost:${env.PORT ?? 3000}`).replace(/\/+$/, '');
const GATEWAY = (env.GATEWAY_URL ?? PUBLIC).replace(/\/+$/, '');
const TOKEN = env.TWILIO_AUTH_TOKEN || env.VOICE_SANDBOX_AUTH_TOKEN || 'switchboard-voice-sandbox';
const hex = () => randomBytes(16).toString('hex');
const CALL = {
  CallSid: `CA${hex()}`,
  AccountSid: env.TWILIO_ACCOUNT_SID ?? `AC${'0'.repeat(32)}`,
  From: args.get('from') || '+355690000001',
  To: args.get('to') || '+35542200100',
  Direction: 'inbound',
  ApiVersion: '2010-04-01',
};

interface Verb {
  name: string;
  attrs: Record<string, string>;
  children: Verb[];
  text: string;
}
type Raw = Record<string, unknown> & { ':@'?: Record<string, string> };
const parser = new XMLParser({ preserveOrder: true, ignoreAttributes: false, attributeNamePrefix: '', parseTagValue: false, trimValues: true });
function toVerb(raw: Raw): Verb | null {
  const name = Object.keys(raw).find((k) => k !== ':@');
  if (!name || name.startsWith('?') || name === '#text') return null;
  const kids = (raw[name] as Raw[]) ?? [];
  return { name, attrs: raw[':@'] ?? {}, children: kids.map(toVerb).filter((v): v is Verb => !!v), text: kids.map((k) => (typeof k['#text'] === 'string' ? k['#text'] : '')).join('') };
}

const rl = readline.createInterface({ input: process.stdin, terminal: false });
const out = (s: string) => process.stdout.write(`${s}\n`);
let finished = false;

/** Posts a signed webhook to a URL the TwiML gave (or a path), returns the TwiML's verbs. */
async function webhook(target: string, params: Record<string, string> = {}): Promise<Verb[]> {
  const url = target.startsWith('http') ? target : `${PUBLIC}${target}`;
  if (!url.startsWith(`${PUBLIC}/`)) throw new Error(`the TwiML points away from the gateway: ${url}`);
  const body = { ...CALL, CallStatus: 'in-progress', ...params };
  const res = await fetch(`${GATEWAY}${url.slice(PUBLIC.length)}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': twilio.getExpectedTwilioSignature(TOKEN, url, body) },
    body: new URLSearchParams(body).toString(),
  });
  const text = await res.text();
  if (res.status === 204) return [];
  if (!res.ok) throw new Error(`${url} answered ${res.status}: ${text.slice(0, 300)}`);
  const root = (parser.parse(text) as Raw[]).map(toVerb).find((v) => v?.name === 'Response');
  return root?.children ?? [];
}

async function hangUp(reason: string): Promise<void> {
  if (finished) return;
  finished = true;
  out(`\n☎  call ended (${reason})`);
  await webhook('/twilio/voice/status', { CallStatus: 'completed', CallDuration: '60' }).catch(() => []);
}

// Lines are read as they come (typed, or piped in for a scripted walk).
const lines = rl[Symbol.asyncIterator]();
async function ask(prompt: string): Promise<string> {
  process.stdout.write(prompt);
  const next = await lines.next();
  if (next.done) return 'h';
  if (!process.stdin.isTTY) process.stdout.write(`${next.value}\n`);
  return next.value.trim();
}

/** Runs a TwiML document like Twilio: verb by verb; a verb that moves elsewhere ends it. */
async function run(verbs: Verb[]): Promise<void> {
  for (let i = 0; i < verbs.length && !finished; i++) {
    const v = verbs[i];
    switch (v.name) {
      case 'Say':
        out(`  🔊 ${v.text}`);
        break;
      case 'Play':
        out(`  🎵 (plays ${v.text})`);
        break;
      case 'Pause':
        break;
      case 'Start':
        out(`  (live audio would stream to ${v.children[0]?.attrs.url ?? '?'})`);
        break;
      case 'Redirect':
        return run(await webhook(v.text));
      case 'Hangup':
        return hangUp('the gateway hung up');
      case 'Gather': {
        for (const s of v.children) out(`  🔊 ${s.text}`);
        const kinds = v.attrs.input ?? 'dtmf';
        const answer = await ask(`  ⌨  ${kinds.includes('speech') ? 'keys or words' : 'keys'} (enter = silence, "h" = hang up) > `);
        if (answer === 'h') return hangUp('you hung up');
        if (!answer) break; // silence: on to the next verb
        const keys = /^[0-9*#]+$/.test(answer);
        return run(await webhook(v.attrs.action, keys ? { Digits: answer } : { SpeechResult: answer, Confidence: '0.9' }));
      }
      case 'Record': {
        const message = await ask(`  ⏺  (recording, up to ${v.attrs.maxLength ?? '?'} s) type your message > `);
        if (message === 'h') return hangUp('you hung up');
        if (!message) break;
        return run(await webhook(v.attrs.action, { RecordingSid: `RE${hex()}`, RecordingDuration: String(Math.max(1, Math.round(message.length / 12))) }));
      }
      case 'Enqueue':
        return queue(v);
      case 'Dial': {
        const room = v.children[0];
        out(`  📞 (connected: ${room?.name ?? 'Number'} ${room?.text ?? ''} — an operator would talk to you here)`);
        await ask('  enter to hang up > ');
        return hangUp('you hung up');
      }
      default:
        out(`  (${v.name})`);
    }
  }
  // Twilio ends the call when the document runs out.
  if (!finished) await hangUp('nothing more to do');
}

/** The hold loop: asks the wait URL again and again until the caller hangs up or is taken out. */
async function queue(v: Verb): Promise<void> {
  out(`  ⏳ (waiting in queue "${v.text}")`);
  const started = Date.now();
  for (;;) {
    const queueTime = Math.round((Date.now() - started) / 1000);
    const hold = await webhook(v.attrs.waitUrl, { QueueSid: `QU${'5'.repeat(32)}`, QueueTime: String(queueTime), QueuePosition: '1' });
    for (const s of hold.filter((h) => h.name === 'Say')) out(`  🔊 ${s.text}`);
    if (hold.some((h) => h.name === 'Leave')) return run(await webhook(v.attrs.action, { QueueResult: 'leave', QueueTime: String(queueTime) }));
    const a = await ask('  enter = keep waiting, "c" = an operator takes the call, "h" = hang up > ');
    if (a === 'h') {
      await webhook(v.attrs.action, { QueueResult: 'hangup', QueueTime: String(queueTime) });
      return hangUp('you hung up while waiting');
    }
    if (a === 'c') return run(await webhook('/twilio/voice/conference'));
  }
}

async function main(): Promise<void> {
  out(`☎  calling ${CALL.To} from ${CALL.From} through ${GATEWAY} (signed for ${PUBLIC})`);
  await run(await webhook('/twilio/voice', { CallStatus: 'ringing' }));
}

main()
  .catch((err: Error) => {
    out(`npm run call: ${err.message}`);
    process.exitCode = 1;
  })
  .finally(() => rl.close());
