// The baseline for bench:messaging: a bare Express app that does only what
// any Twilio webhook must (parse the form, check X-Twilio-Signature against
// the public URL) and answers fixed TwiML. No storage, no bot.
import express from 'express';
import twilio from 'twilio';

const token = process.env.TWILIO_AUTH_TOKEN ?? '';
const publicBase = process.env.PUBLIC_BASE_URL ?? '';
const twiml = new twilio.twiml.MessagingResponse();
twiml.message('Thanks for your message. We will answer shortly.');
const fixed = twiml.toString();

const app = express();
app.get('/healthz', (_req, res) => void res.json({ status: 'ok' }));
app.post('/twilio/messaging', express.urlencoded({ extended: false, limit: '64kb' }), (req, res) => {
  const ok = twilio.validateRequest(token, req.header('x-twilio-signature') ?? '', `${publicBase}${req.originalUrl}`, req.body ?? {});
  if (!ok) return void res.status(403).end();
  res.type('text/xml').send(fixed);
});
app.listen(Number(process.env.PORT ?? 3998), '127.0.0.1');
