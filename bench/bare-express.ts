// The baseline for the HTTP benchmarks: a bare Express app with JSON body
// parsing that answers every POST with a fixed reply, and nothing else.
import express from 'express';

const app = express();
app.use(express.json({ limit: '100kb' }));
app.get('/healthz', (_req, res) => void res.json({ status: 'ok' }));
app.post('/activities', (_req, res) => void res.json({ id: 'fixed-activity-id' }));
app.listen(Number(process.env.PORT ?? 3999), '127.0.0.1');
