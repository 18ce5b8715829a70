// Plays Twilio's part in a call against a test gateway: signed webhooks
// (form-encoded, signed over the public URL), TwiML parsed as XML into a
// small tree, and a `PhoneCall` that follows Redirects, presses keys, speaks
// and stays silent by posting to the URLs the TwiML gave.
import { randomBytes } from 'node:crypto';
import { XMLParser } from 'fast-xml-parser';
import twilio from 'twilio';
import type { Gateway } from '../../helpers/gateway';

export const PUBLIC_BASE_URL = 'https://gateway.example';
export const OUR_NUMBER = '+35542200100';
export const OUR_SQ_NUMBER = '+35542200300';

export const hex = () => randomBytes(16).toString('hex');
export const newCallSid = () => `CA${hex()}`;

let n = 0;
export function newPhone(): string {
  n++;
  return `+3556${7 + (n % 3)}${String(Date.now() % 10000).padStart(4, '0')}${String(n % 1000).padStart(3, '0')}`;
}

export interface Node {
  name: string;
  attrs: Record<string, string>;
  children: Node[];
  text: string;
}

const parser = new XMLParser({ preserveOrder: true, ignoreAttributes: false, attributeNamePrefix: '', parseTagValue: false, parseAttributeValue: false, trimValues: true });

type Raw = Record<string, unknown> & { ':@'?: Record<string, string> };

function toNode(raw: Raw): Node | null {
  const name = Object.keys(raw).find((k) => k !== ':@');
  if (!name || name === '?xml' || name === '#text') return null;
  const kids = (raw[name] as Raw[]) ?? [];
  return {
    name,
    attrs: raw[':@'] ?? {},
    children: kids.map(toNode).filter((x): x is Node => !!x),
    text: kids.map((k) => (typeof k['#text'] === 'string' ? k['#text'] : '')).join(''),
  };
}

/** Parses TwiML; throws unless it is one <Response>. */
export function parseTwiml(xml: string): Node {
  const roots = (parser.parse(xml) as Raw[]).map(toNode).filter((x): x is Node => !!x);
  if (roots.length !== 1 || roots[0].name !== 'Response') throw new Error(`not TwiML: ${xml.slice(0, 200)}`);
  return roots[0];
}

export function all(node: Node, name: string): Node[] {
  return [...(node.name === name ? [node] : []), ...node.children.flatMap((c) => all(c, name))];
}

export function first(node: Node, name: string): Node | undefined {
  return all(node, name)[0];
}

/** Everything the caller hears, in order. */
export function spoken(node: Node): string[] {
  return all(node, 'Say').map((s) => s.text);
}

export function sign(authToken: string, path: string, params: Record<string, string>): string {
  return twilio.getExpectedTwilioSignature(authToken, `${PUBLIC_BASE_URL}${path}`, params);
}

/** Posts a webhook signed as Twilio signs it (or with the signature given, or none for null). */
export function post(gw: Gateway, path: string, params: Record<string, string>, opts: { token?: string; signature?: string | null } = {}) {
  const req = gw.http.post(path).type('form').send(params);
  const token = opts.token ?? gw.config.TWILIO_AUTH_TOKEN ?? gw.config.VOICE_SANDBOX_AUTH_TOKEN;
  const signature = opts.signature === undefined ? sign(token, path, params) : opts.signature;
  return signature === null ? req : req.set('X-Twilio-Signature', signature);
}

/** The path of an absolute URL the TwiML gave, after checking it points back to the gateway. */
export function gatewayPath(url: string): string {
  if (!url.startsWith(`${PUBLIC_BASE_URL}/`)) throw new Error(`not an absolute URL back to the gateway: ${url}`);
  return url.slice(PUBLIC_BASE_URL.length);
}

export class PhoneCall {
  twiml!: Node;
  xml = '';
  readonly callSid = newCallSid();

  constructor(
    readonly gw: Gateway,
    readonly from: string,
    readonly to = OUR_NUMBER,
  ) {}

  base(): Record<string, string> {
    return { CallSid: this.callSid, AccountSid: `AC${'0'.repeat(32)}`, From: this.from, To: this.to, CallStatus: 'in-progress', Direction: 'inbound', ApiVersion: '2010-04-01' };
  }

  /** Posts to a gateway path and keeps the TwiML answer. */
  async send(path: string, extra: Record<string, string> = {}): Promise<Node> {
    const res = await post(this.gw, path, { ...this.base(), ...extra });
    if (res.status !== 200) throw new Error(`${path} answered ${res.status}: ${res.text}`);
    expect(res.headers['content-type']).toMatch(/xml/);
    this.xml = res.text;
    this.twiml = parseTwiml(res.text);
    return this.twiml;
  }

  /** Rings: the incoming-call webhook, then the redirect to the greeting. Returns everything said. */
  async dial(): Promise<string[]> {
    const answer = await this.send('/twilio/voice', { CallStatus: 'ringing' });
    const said = spoken(answer);
    const redirect = first(answer, 'Redirect');
    if (!redirect) throw new Error('the call was not sent on to the greeting');
    await this.send(gatewayPath(redirect.text));
    return [...said, ...spoken(this.twiml)];
  }

  gather(): Node {
    const g = first(this.twiml, 'Gather');
    if (!g) throw new Error(`no <Gather> in ${this.xml}`);
    return g;
  }

  async press(digits: string): Promise<string[]> {
    await this.send(gatewayPath(this.gather().attrs.action), { Digits: digits });
    return spoken(this.twiml);
  }

  async speak(text: string, confidence = 0.92): Promise<string[]> {
    await this.send(gatewayPath(this.gather().attrs.action), { SpeechResult: text, Confidence: String(confidence) });
    return spoken(this.twiml);
  }

  /** Says nothing: Twilio runs the verb after the <Gather>, a Redirect. */
  async silence(): Promise<string[]> {
    const redirect = this.twiml.children.find((c) => c.name === 'Redirect');
    if (!redirect) throw new Error(`nothing to go on to after silence in ${this.xml}`);
    await this.send(gatewayPath(redirect.text));
    return spoken(this.twiml);
  }

  status(status: string, extra: Record<string, string> = {}) {
    return post(this.gw, '/twilio/voice/status', { ...this.base(), CallStatus: status, ...extra });
  }
}

export function auth(token: string) {
  return { Authorization: `Bearer ${token}` };
}

/** G.711 μ-law of one 16-bit sample. */
export function muLaw(sample: number): number {
  const BIAS = 0x84;
  const CLIP = 32635;
  const sign = sample < 0 ? 0x80 : 0;
  let s = Math.min(Math.abs(sample), CLIP) + BIAS;
  let exponent = 7;
  for (let mask = 0x4000; (s & mask) === 0 && exponent > 0; mask >>= 1) exponent--;
  const mantissa = (s >> (exponent + 3)) & 0x0f;
  s = ~(sign | (exponent << 4) | mantissa);
  return s & 0xff;
}

/** `seconds` of a 440 Hz tone as 20 ms μ-law frames (160 bytes each), the way Twilio streams audio. */
export function toneFrames(seconds: number, hz = 440): Buffer[] {
  const frames: Buffer[] = [];
  let i = 0;
  for (let f = 0; f < seconds * 50; f++) {
    const frame = Buffer.alloc(160);
    for (let k = 0; k < 160; k++, i++) frame[k] = muLaw(Math.round(Math.sin((2 * Math.PI * hz * i) / 8000) * 12000));
    frames.push(frame);
  }
  return frames;
}
