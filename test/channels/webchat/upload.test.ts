// Web Chat's file uploads over Direct Line 3.0: POST /conversations/:id/upload
// as Web Chat sends it (multipart: the activity in a part named "activity",
// then one part per file), and reading the files back.
import { randomBytes, randomUUID } from 'node:crypto';
import http from 'node:http';
import { startGateway, Gateway, eventually } from '../../helpers/gateway';
import { DirectLineTestClient } from '../../helpers/directline';

const PNG_MAGIC = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const png = (bytes = 200) => Buffer.concat([PNG_MAGIC, randomBytes(bytes)]);
const pdf = () => Buffer.from('%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n');

interface FilePart {
  name: string;
  type: string;
  content: Buffer;
}

interface UploadedActivity {
  text: string;
  from: { role: string };
  attachments?: { contentType: string; contentUrl: string; name: string }[];
}

const LIMITS = { WEBCHAT_UPLOAD_MAX_FILE_BYTES: '200000', WEBCHAT_UPLOAD_MAX_TOTAL_BYTES: '300000', WEBCHAT_UPLOAD_MAX_FILES: '3' };

describe('web chat uploads', () => {
  let gw: Gateway;
  beforeAll(async () => {
    gw = await startGateway('wcupload', { env: LIMITS });
  });
  afterAll(async () => {
    await gw.close();
  });

  /** What Web Chat's Direct Line client posts: the activity (without contentUrl) as a Blob, then the files. */
  const upload = (c: DirectLineTestClient, files: FilePart[], text = '', clientActivityID: string = randomUUID()) => {
    const activity = {
      type: 'message',
      from: { id: 'customer-1', name: 'Test Customer', role: 'user' },
      text,
      locale: 'en-US',
      channelData: { clientActivityID },
      attachments: files.map((f) => ({ contentType: f.type, name: f.name, contentUrl: 'http://127.0.0.1:9/never-fetched' })),
    };
    let req = gw.http
      .post(`/v3/directline/conversations/${c.conversationId}/upload?userId=customer-1`)
      .set('Authorization', `Bearer ${c.token}`)
      .attach('activity', Buffer.from(JSON.stringify(activity)), { filename: 'blob', contentType: 'application/vnd.microsoft.activity' });
    for (const f of files) req = req.attach('file', f.content, { filename: f.name, contentType: f.type });
    return req;
  };

  /** The customer's own activity as the client gets it back, once it carries its attachments. */
  const echoed = async (c: DirectLineTestClient): Promise<UploadedActivity> =>
    eventually(async () => {
      await c.poll();
      return (c.seen as unknown as UploadedActivity[]).find((a) => a.from.role === 'user' && a.attachments?.length);
    });

  const pathOf = (url: string) => {
    const u = new URL(url);
    return `${u.pathname}${u.search}`;
  };
  const storedFiles = () => gw.infra.conn.db!.collection('email_attachments').countDocuments();
  const inbound = async (c: DirectLineTestClient) => (await gw.services.conversations.history(c.conversationId)).filter((m) => m.direction === 'in');

  it('when a customer uploads a picture with text, then it is stored, they and an operator who may see the conversation can fetch it, and the bot answers the text', async () => {
    const c = await DirectLineTestClient.start(gw.url);
    const bytes = png();
    const res = await upload(c, [{ name: 'router.png', type: 'image/png', content: bytes }], 'what are your opening hours').expect(200);
    expect(res.body.id).toMatch(/^[a-f0-9]{24}$/);

    // Back to the client: an absolute link on the public URL with a read grant, fetched as Web Chat's <img> would (no header).
    const mine = await echoed(c);
    expect(mine.text).toBe('what are your opening hours');
    expect(mine.attachments).toEqual([{ contentType: 'image/png', name: 'router.png', contentUrl: expect.stringMatching(new RegExp(`^${gw.config.PUBLIC_BASE_URL}/v3/directline/conversations/${c.conversationId}/attachments/[a-f0-9]{24}\\?t=`)) }]);
    const link = pathOf(mine.attachments![0].contentUrl);
    const viaLink = await gw.http.get(link).buffer(true).expect(200);
    expect(viaLink.headers['content-type']).toBe('image/png');
    expect(viaLink.headers['x-content-type-options']).toBe('nosniff');
    expect(Buffer.compare(viaLink.body as Buffer, bytes)).toBe(0);
    await c.waitForBot(/Monday to Saturday/);

    // Stored: the message points at the gateway, never at what the client listed.
    const [m] = await inbound(c);
    expect(m.attachments).toEqual([expect.objectContaining({ contentType: 'image/png', name: 'router.png', contentUrl: expect.stringMatching(/^\/v3\/directline\/conversations\/[a-f0-9]{24}\/attachments\/[a-f0-9]{24}$/) })]);
    const path = m.attachments[0].contentUrl!;
    expect(JSON.stringify(m)).not.toContain('never-fetched');
    await gw.http.get(path).set('Authorization', `Bearer ${c.token}`).expect(200);

    // Operators: a supervisor may see every conversation; an operator only once it is queued for them.
    const sup = await gw.login(['supervisor']);
    const op = await gw.login(['operator']);
    const marketer = await gw.login(['marketer']);
    const asSup = await gw.http.get(path).set('Authorization', `Bearer ${sup.token}`).buffer(true).expect(200);
    expect(Buffer.compare(asSup.body as Buffer, bytes)).toBe(0);
    await gw.http.get(path).set('Authorization', `Bearer ${op.token}`).expect(403);
    await gw.http.get(path).set('Authorization', `Bearer ${marketer.token}`).expect(403);
    await c.say('I want to talk to a person');
    await c.waitForBot(/passing you to one of our operators/);
    await gw.http.get(path).set('Authorization', `Bearer ${op.token}`).expect(200);
    const seen = await gw.http.get(`/api/conversations/${c.conversationId}`).set('Authorization', `Bearer ${op.token}`).expect(200);
    const withFile = (seen.body.messages as { attachments: { contentUrl: string; name: string }[] }[]).find((x) => x.attachments.length);
    expect(withFile?.attachments[0]).toMatchObject({ contentUrl: path, name: 'router.png' });
    // The same file through the operators' attachment route.
    await gw.http.get(`/api/attachments/${path.split('/').pop()}`).set('Authorization', `Bearer ${op.token}`).expect(200);
  });

  it("when another conversation's token or link asks for the file, then it is refused", async () => {
    const a = await DirectLineTestClient.start(gw.url);
    const b = await DirectLineTestClient.start(gw.url);
    await upload(a, [{ name: 'bill.pdf', type: 'application/pdf', content: pdf() }], 'my bill').expect(200);
    const link = pathOf((await echoed(a)).attachments![0].contentUrl);
    const path = link.split('?')[0];
    const attachmentId = path.split('/').pop()!;

    await gw.http.get(path).expect(401);
    await gw.http.get(path).set('Authorization', `Bearer ${b.token}`).expect(403);
    // B's conversation in the path does not hold A's file; a link grant is for one file of one conversation.
    await gw.http.get(`/v3/directline/conversations/${b.conversationId}/attachments/${attachmentId}`).set('Authorization', `Bearer ${b.token}`).expect(404);
    await gw.http.get(`/v3/directline/conversations/${b.conversationId}/attachments/${attachmentId}${link.slice(path.length)}`).expect(403);
    await gw.http.get(`${path.replace(attachmentId, 'a'.repeat(24))}${link.slice(path.length)}`).expect(403);
    await gw.http.get(`${path}?t=forged`).expect(403);
    // A conversation token in the link's place is not a grant.
    await gw.http.get(`${path}?t=${encodeURIComponent(a.token)}`).expect(403);
    await gw.http.get(path.replace(attachmentId, 'b'.repeat(24))).set('Authorization', `Bearer ${a.token}`).expect(404);
  });

  it('when files come without text, then the bot says it cannot read them and offers a person, who the customer can then reach', async () => {
    const c = await DirectLineTestClient.start(gw.url);
    await upload(c, [{ name: 'notes.txt', type: 'text/plain', content: Buffer.from('router model X200, red light since Monday') }]).expect(200);
    const reply = await c.waitForBot(/can't open files/);
    expect(reply.suggestedActions?.actions.map((a) => a.title)).toEqual(['Talk to a person']);
    await c.say('Talk to a person');
    await c.waitForBot(/passing you to one of our operators/);
  });

  it('when an upload is retried with the same client activity id, then one message and one copy of the file are kept', async () => {
    const c = await DirectLineTestClient.start(gw.url);
    const id = randomUUID();
    const before = await storedFiles();
    const first = await upload(c, [{ name: 'a.png', type: 'image/png', content: png() }], 'photo', id).expect(200);
    const again = await upload(c, [{ name: 'a.png', type: 'image/png', content: png() }], 'photo', id).expect(200);
    expect(again.body.id).toBe(first.body.id);
    expect(await inbound(c)).toHaveLength(1);
    expect(await storedFiles()).toBe(before + 1);
  });

  it('when a file or the whole upload is too big, or has too many files, then 413 and nothing is kept', async () => {
    const c = await DirectLineTestClient.start(gw.url);
    const before = await storedFiles();
    const one = await upload(c, [{ name: 'big.png', type: 'image/png', content: png(250_000) }], 'big').expect(413);
    expect(one.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(one.body).toMatchObject({ status: 413, title: 'Payload Too Large' });
    await upload(c, [
      { name: 'a.png', type: 'image/png', content: png(180_000) },
      { name: 'b.png', type: 'image/png', content: png(180_000) },
    ]).expect(413);
    await upload(c, ['1', '2', '3', '4'].map((n) => ({ name: `${n}.png`, type: 'image/png', content: png(10) }))).expect(413);
    expect(await storedFiles()).toBe(before);
    expect(await inbound(c)).toHaveLength(0);
  });

  it('when a file is not an image, PDF or plain text, or its bytes are not what its type says, then 415 and nothing is kept', async () => {
    const c = await DirectLineTestClient.start(gw.url);
    const before = await storedFiles();
    for (const f of [
      { name: 'x.zip', type: 'application/zip', content: Buffer.from('PK\u0003\u0004rest') },
      { name: 'x.svg', type: 'image/svg+xml', content: Buffer.from('<svg onload="alert(1)"/>') },
      { name: 'x.html', type: 'text/html', content: Buffer.from('<script>alert(1)</script>') },
      { name: 'x.bin', type: 'application/octet-stream', content: randomBytes(50) },
      { name: 'fake.png', type: 'image/png', content: Buffer.from('<html><script>alert(1)</script></html>') },
    ]) {
      const res = await upload(c, [f], 'look').expect(415);
      expect(res.body).toMatchObject({ status: 415, title: 'Unsupported Media Type' });
    }
    expect(await storedFiles()).toBe(before);
    expect(await inbound(c)).toHaveLength(0);
  });

  it('when the body is not multipart, is malformed, or lacks the activity or a file, then 400', async () => {
    const c = await DirectLineTestClient.start(gw.url);
    const url = `/v3/directline/conversations/${c.conversationId}/upload`;
    const auth = { Authorization: `Bearer ${c.token}` };
    await gw.http.post(url).set(auth).send({ type: 'message', from: { id: 'u' }, text: 'hi' }).expect(400);
    await gw.http.post(url).set(auth).set('Content-Type', 'multipart/form-data').send('--x\r\n\r\n').expect(400);
    // Cut off before the closing boundary.
    const cut = '--xyz\r\nContent-Disposition: form-data; name="activity"; filename="blob"\r\nContent-Type: application/vnd.microsoft.activity\r\n\r\n{"type":"message"';
    await gw.http.post(url).set(auth).set('Content-Type', 'multipart/form-data; boundary=xyz').send(cut).expect(400);
    const notJson = await gw.http
      .post(url)
      .set(auth)
      .attach('activity', Buffer.from('{not json'), { filename: 'blob', contentType: 'application/vnd.microsoft.activity' })
      .attach('file', png(), { filename: 'a.png', contentType: 'image/png' })
      .expect(400);
    expect(notJson.body.detail).toMatch(/activity/);
    await gw.http.post(url).set(auth).attach('file', png(), { filename: 'a.png', contentType: 'image/png' }).expect(400);
    await upload(c, []).expect(400);
    await gw.http
      .post(url)
      .set(auth)
      .attach('activity', Buffer.from(JSON.stringify({ type: 'typing', from: { id: 'u' } })), { filename: 'blob', contentType: 'application/vnd.microsoft.activity' })
      .attach('file', png(), { filename: 'a.png', contentType: 'image/png' })
      .expect(400);
    expect(await inbound(c)).toHaveLength(0);
  });

  it("when the token is missing or for another conversation, then the upload is refused", async () => {
    const a = await DirectLineTestClient.start(gw.url);
    const b = await DirectLineTestClient.start(gw.url);
    await gw.http.post(`/v3/directline/conversations/${a.conversationId}/upload`).attach('file', png(), { filename: 'a.png', contentType: 'image/png' }).expect(401);
    const asB = await upload(a, [{ name: 'a.png', type: 'image/png', content: png() }]).set('Authorization', `Bearer ${b.token}`);
    expect(asB.status).toBe(403);
    expect(await inbound(a)).toHaveLength(0);
  });

  it('when an upload declares a body far over the limit, then it is refused before it is read', async () => {
    const c = await DirectLineTestClient.start(gw.url);
    const { hostname, port } = new URL(gw.url);
    // Only the headers are sent: the answer must come without the body.
    const status = await new Promise<number>((resolve, reject) => {
      const req = http.request({
        hostname,
        port,
        method: 'POST',
        path: `/v3/directline/conversations/${c.conversationId}/upload`,
        headers: { Authorization: `Bearer ${c.token}`, 'Content-Type': 'multipart/form-data; boundary=xyz', 'Content-Length': String(50 * 1024 * 1024) },
      });
      req.on('response', (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
        req.destroy();
      });
      req.on('error', reject);
      req.flushHeaders();
    });
    expect(status).toBe(413);
  });
});
