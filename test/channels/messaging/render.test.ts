import { choiceFromDigit, keywordOf, mediaOf, parseAddress, inboundSchema } from '../../../src/channels/messaging/parse';
import { choicesOf, renderReplies, splitText } from '../../../src/channels/messaging/render';
import { parseRetryAfter } from '../../../src/channels/twilio/client';
import { parseSenderRates } from '../../../src/channels/twilio/rate-limit';

const t = (key: string, vars: Record<string, string | number> = {}) =>
  ({ messaging_choices: `Reply ${vars.choices}.`, messaging_choice: `${vars.n} for ${vars.title}` })[key] ?? key;

describe('messaging render and parse', () => {
  it('when a long text is split, then every part fits and breaks at a sentence, never inside a word or emoji', () => {
    const long = `${'All plans include 5G and free calls to Vala numbers 📱. '.repeat(60)}The end.`;
    const parts = splitText(long);
    expect(parts.length).toBeGreaterThan(1);
    for (const p of parts) {
      expect([...p].length).toBeLessThanOrEqual(1600);
      expect(p).toMatch(/\.$/);
    }
    expect(parts.join(' ')).toBe(long);
    expect(splitText('x'.repeat(3201)).map((p) => p.length)).toEqual([1600, 1600, 1]);
  });

  it('when a reply offers choices, then they read with the flow digits and the digits map back', () => {
    const reply = { type: 'message', text: 'How can I help?', channelData: { choices: [{ title: 'Billing', digit: '1' }, { title: 'A person', digit: '0' }] } };
    const xml = renderReplies([reply, { type: 'endOfConversation' }], t);
    expect(xml).toBe('<?xml version="1.0" encoding="UTF-8"?><Response><Message>How can I help?\n\nReply 1 for Billing, 0 for A person.</Message></Response>');
    expect(choiceFromDigit(' 0 ', choicesOf(reply))).toBe('A person');
    expect(choiceFromDigit('7', choicesOf(reply))).toBeNull();
    expect(choiceFromDigit('10 apples', choicesOf(reply))).toBeNull();
    const plain = { text: 'Sure?', suggestedActions: { to: [], actions: [{ type: 'imBack', title: 'Yes', value: 'Yes' }, { type: 'imBack', title: 'No', value: 'No' }] } };
    expect(choicesOf(plain)).toEqual([{ digit: '1', title: 'Yes' }, { digit: '2', title: 'No' }]);
    expect(renderReplies([{ text: '<b>&' }], t)).toContain('<Message>&lt;b&gt;&amp;</Message>');
  });

  it('when keywords arrive, then only single carrier words count', () => {
    expect(keywordOf('Stop!')).toBe('optout');
    expect(keywordOf('stopall')).toBe('optout');
    expect(keywordOf('UNSTOP')).toBe('optin');
    expect(keywordOf('help')).toBe('help');
    expect(keywordOf('stop it')).toBeNull();
    expect(keywordOf('')).toBeNull();
  });

  it('when addresses arrive in any format, then they become E.164 with their channel', () => {
    expect(parseAddress('+355 69 123 4567')).toEqual({ channel: 'sms', value: '+355691234567' });
    expect(parseAddress('whatsapp:+355691234567')).toEqual({ channel: 'whatsapp', value: '+355691234567' });
    expect(parseAddress('WhatsApp: +1 (415) 555-0100')).toEqual({ channel: 'whatsapp', value: '+14155550100' });
    expect(parseAddress('hello')).toBeNull();
    expect(parseAddress('+1')).toBeNull();
  });

  it('when media parameters arrive, then only http(s) URLs are kept, at most NumMedia of them', () => {
    const body = inboundSchema.parse({ MessageSid: `MM${'a'.repeat(32)}`, From: '+355691234567', To: '+35542200100', NumMedia: '2', MediaUrl0: 'javascript:alert(1)', MediaUrl1: 'https://x.example/1.jpg', MediaContentType1: 'image/jpeg', MediaUrl2: 'https://x.example/2.jpg' });
    expect(mediaOf(body)).toEqual([{ contentUrl: 'https://x.example/1.jpg', contentType: 'image/jpeg' }]);
  });

  it('when Twilio sends Retry-After and operators set sender rates, then both are read', () => {
    expect(parseRetryAfter('2')).toBe(2000);
    expect(parseRetryAfter(new Date(Date.now() + 3000).toUTCString())).toBeGreaterThan(1000);
    expect(parseRetryAfter(undefined)).toBeUndefined();
    expect(parseSenderRates('+15550001111=3, whatsapp:+15550002222=80,bad,=4,x=0')).toEqual({ '+15550001111': 3, 'whatsapp:+15550002222': 80 });
  });
});
