// The baseline for the voice benchmark: a bare Express app that parses a
// form-encoded webhook and answers every POST with the same fixed TwiML.
import express from 'express';

const TWIML =
  '<?xml version="1.0" encoding="UTF-8"?><Response><Gather input="dtmf speech" action="http://127.0.0.1/twilio/voice/gather?step=1" method="POST" numDigits="1"><Say>For billing, press 1.</Say></Gather><Redirect method="POST">http://127.0.0.1/twilio/voice/gather?step=1&amp;noinput=1</Redirect></Response>';

const app = express();
app.use(express.urlencoded({ extended: false, limit: '64kb' }));
app.get('/healthz', (_req, res) => void res.json({ status: 'ok' }));
app.post('/{*rest}', (_req, res) => void res.type('text/xml').send(TWIML));
app.listen(Number(process.env.PORT ?? 3998), '127.0.0.1');
