// A customer cannot show as the company, the bot or one of our operators:
// such a display name (web chat user name, SMS/WhatsApp ProfileName, email
// From name) is stored empty, so operators see the console's neutral label.
import { startGateway, Gateway, eventually, DL_SECRET } from '../helpers/gateway';
import { DirectLineTestClient } from '../helpers/directline';
import { say, newPhone } from '../channels/messaging/helpers';
import { startEmailListener } from '../../src/channels/email';
import type { SmtpListener } from '../../src/channels/email/smtp.listener';
import { customerAddress, emailEnv, newMessageId, smtpSend, SUPPORT } from '../channels/email/mail.helpers';
import { normalizeName } from '../../src/operators/display-names';

describe('customer display names', () => {
  let gw: Gateway;
  let smtp: SmtpListener;
  let auth: { Authorization: string };
  beforeAll(async () => {
    gw = await startGateway('displaynames', { env: emailEnv({ EMAIL_TRANSPORT: 'sandbox' }) });
    smtp = await startEmailListener(gw.infra, gw.services, { port: 0, host: '127.0.0.1' });
    const sup = await gw.login(['supervisor'], 'Drita Leka');
    auth = { Authorization: `Bearer ${sup.token}` };
  });
  afterAll(async () => {
    await smtp?.close();
    await gw?.close();
  });

  /** The customer, and the names on their messages, as an operator sees the conversation. */
  async function seen(conversationId: string) {
    const res = await gw.http.get(`/api/conversations/${conversationId}`).set(auth).expect(200);
    const body = res.body as { customer: { name: string } | null; messages: { author: string; authorName?: string }[] };
    return { name: body.customer?.name, authorNames: body.messages.filter((m) => m.author === 'customer').map((m) => m.authorName ?? '') };
  }

  it('when a web chat visitor calls themselves the company, the bot or an operator, then the name is stored empty; an ordinary name is kept', async () => {
    const open = async (name: string) => (await gw.http.post('/v3/directline/tokens/generate').set('Authorization', `Bearer ${DL_SECRET}`).send({ user: { id: `dl_${Date.now()}_${Math.random().toString(36).slice(2, 8)}`, name } }).expect(200)).body.conversationId as string;
    expect((await seen(await open('Vala Telecom'))).name).toBe('');
    expect((await seen(await open('  vala-TELECOM support '))).name).toBe('');
    expect((await seen(await open('Drita Leka'))).name).toBe('');
    expect((await seen(await open('Drítä  Leka!'))).name).toBe('');
    expect((await seen(await open('Arta Gashi'))).name).toBe('Arta Gashi');

    const c = await DirectLineTestClient.start(gw.url);
    await c.say('hello', { from: { id: 'customer-1', name: 'Vala Telecom' } });
    const view = await eventually(async () => {
      const v = await seen(c.conversationId);
      return v.authorNames.length ? v : undefined;
    });
    expect(view.authorNames).toEqual(['']);
  });

  it('when an SMS or WhatsApp ProfileName is an operator’s or the company’s, then the customer has no name', async () => {
    const phone = newPhone();
    await say(gw, `whatsapp:${phone}`, 'hello', { ProfileName: 'Drita Leka', WaId: phone.slice(1) });
    const other = newPhone();
    await say(gw, `whatsapp:${other}`, 'hello', { ProfileName: 'Arta', WaId: other.slice(1) });
    const customers = await gw.infra.store.customers.find({}).lean<{ name: string; identityKeys: string[] }[]>();
    const of = (p: string) => customers.find((x) => x.identityKeys.some((k) => k.endsWith(p)));
    expect(of(phone)?.name).toBe('');
    expect(of(other)?.name).toBe('Arta');
  });

  it('when an email’s From name is the company’s, then the customer has no name', async () => {
    const from = customerAddress();
    await smtpSend(smtp.port, { from: `"Vala Telecom" <${from}>`, to: SUPPORT, subject: 'hello', messageId: newMessageId(), text: 'hello' });
    const customer = await gw.infra.store.customers.findOne({ identityKeys: `email:${from}` }).lean<{ name: string }>();
    expect(customer?.name).toBe('');
  });

  it('when names are compared, then case, accents, spaces and punctuation do not matter', () => {
    expect(normalizeName('  Drítä  LEKA! ')).toBe(normalizeName('Drita Leka'));
  });
});
