import { request as httpRequest } from 'node:http';
import { randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import { LOCAL_JWT_SECRET } from '../../tools/local-stack/local-env';
import { ApiClient } from '../support/api-client';
import { devToken, startTestStack, TestStack } from '../support/test-stack';

const MARKER = 'hostile-marker-7f3a';
const UPLOAD = { filename: `${MARKER}.jpg`, contentType: 'image/jpeg', size: 1000 };

interface Problem {
  status: number;
  code: string;
  errors?: { field: string; message: string }[];
}

/** Raw bytes, so the body can hold what JSON.stringify would never write. */
async function send(stack: TestStack, token: string, method: string, path: string, body?: string, headers = {}) {
  const response = await fetch(`${stack.apiUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...headers },
    body,
  });
  const type = response.headers.get('content-type') ?? '';
  const text = await response.text();
  return { status: response.status, type, problem: (type.includes('json') ? JSON.parse(text) : {}) as Problem };
}

function expectProblem(result: { status: number; type: string; problem: Problem }, status: number, field?: string) {
  expect({ status: result.status, problemJson: result.type.startsWith('application/problem+json') }).toEqual({
    status,
    problemJson: true,
  });
  if (field) expect(result.problem.errors?.map((e) => e.field)).toContain(field);
}

describe('hostile input gets a 4xx problem+json naming the field, and nothing raw in the logs', () => {
  let stack: TestStack;
  let token: string;
  const userId = `hostile-${randomUUID().slice(0, 8)}`;
  const logged: string[] = [];
  const writes = { out: process.stdout.write, err: process.stderr.write };

  beforeAll(async () => {
    stack = await startTestStack({
      worker: false,
      forwarder: false,
      // Errors and warnings are logged, as in production: the test reads what would be written.
      env: {
        LOG_LEVEL: 'warn',
        RENDER_SIGNING_SECRET: 'hostile-input-e2e-render-secret-0123456789',
        // As in production: the public listener maps nothing beyond the API itself.
        API_DOCS_ENABLED: 'false',
      },
    });
    token = await devToken(stack.apiUrl, userId);
    const capture = (stream: NodeJS.WriteStream, original: typeof process.stdout.write) =>
      ((chunk: string | Uint8Array, ...rest: unknown[]) => {
        logged.push(String(chunk));
        return (original as (...args: unknown[]) => boolean).call(stream, chunk, ...rest);
      }) as typeof process.stdout.write;
    process.stdout.write = capture(process.stdout, writes.out);
    process.stderr.write = capture(process.stderr, writes.err);
  });
  afterAll(async () => {
    process.stdout.write = writes.out;
    process.stderr.write = writes.err;
    // Nothing above was a server error, and nothing the client sent reached a log line.
    const text = logged.join('');
    expect(text).not.toContain(MARKER);
    expect(text).not.toContain(userId);
    await stack.stop();
  });

  const upload = (body: string) => send(stack, token, 'POST', '/v1/uploads', body);
  const json = (value: object) => JSON.stringify(value);

  it.each([
    ['a lone high surrogate', `${MARKER}\\ud800.jpg`],
    ['a lone low surrogate', `${MARKER}\\udfff.jpg`],
    ['a reversed pair', `${MARKER}\\udc00\\ud800.jpg`],
    ['a C1 control (NEL)', `${MARKER}\\u0085.jpg`],
    ['a C1 control (CSI)', `${MARKER}\\u009b31m.jpg`],
    ['a bidi override', `${MARKER}\\u202egpj.exe`],
    ['a bidi isolate', `${MARKER}\\u2066x\\u2069.jpg`],
    ['a zero-width space', `${MARKER}\\u200b.jpg`],
    ['a byte-order mark', `\\ufeff${MARKER}.jpg`],
    ['a line separator', `${MARKER}\\u2028.jpg`],
    ['a private-use character', `${MARKER}\\ue000.jpg`],
    ['a NUL', `${MARKER}\\u0000.jpg`],
  ])('filename with %s → 400 naming filename', async (_name, escaped) => {
    // Written as JSON escapes by hand: the characters reach the server exactly as a hostile client sends them.
    expectProblem(await upload(`{"filename":"${escaped}","contentType":"image/jpeg","size":1000}`), 400, 'filename');
  });

  it('accepts ordinary non-ASCII filenames (accents, CJK, emoji)', async () => {
    for (const filename of ['Café Straße.jpg', '写真.jpg', '🌄 sunrise.jpg']) {
      expect((await upload(json({ ...UPLOAD, filename }))).status).toBe(201);
    }
  });

  it.each([
    ['an array', []],
    ['an array holding a valid thumbnail', [{ contentType: 'image/webp', size: 10 }]],
    ['null', null],
    ['a number', 5],
    ['a string', 'image/webp'],
  ])('thumbnail given as %s → 400 naming thumbnail', async (_name, thumbnail) => {
    expectProblem(await upload(json({ ...UPLOAD, thumbnail })), 400, 'thumbnail');
  });

  it.each([
    ['filename', { filename: null }],
    ['filename', { filename: ['a.jpg'] }],
    ['filename', { filename: 7 }],
    ['size', { size: null }],
    ['size', { size: [1000] }],
    ['size', { size: '1000' }],
    ['contentType', { contentType: ['image/jpeg'] }],
    ['checksumSha256', { checksumSha256: null }],
    ['checksumSha256', { checksumSha256: {} }],
    ['thumbnail.size', { thumbnail: { contentType: 'image/webp', size: null } }],
  ])('%s given as the wrong type → 400 naming it (%j)', async (field, patch) => {
    expectProblem(await upload(json({ ...UPLOAD, ...patch })), 400, field);
  });

  it('refuses 5,000-deep nested JSON, anywhere in the body, with 400', async () => {
    const deep = '['.repeat(5000) + ']'.repeat(5000);
    expectProblem(await upload(`{"filename":${deep},"contentType":"image/jpeg","size":1}`), 400);
    expectProblem(await upload(`{"thumbnail":${'{"a":'.repeat(5000)}1${'}'.repeat(5000)}}`), 400);
    const erase = await send(stack, token, 'DELETE', '/v1/users/me', `{"confirm":${deep}}`);
    expectProblem(erase, 400);
  });

  it('refuses a lone surrogate in any field or key, not only the filename', async () => {
    expectProblem(await upload(`{"filename":"a.jpg","contentType":"image/jpeg\\ud800","size":1}`), 400, 'contentType');
    expectProblem(await upload(`{"filename":"a.jpg","contentType":"image/jpeg","size":1,"\\ud800":1}`), 400);
  });

  it('refuses prototype keys, broken JSON, the wrong content type and oversized bodies', async () => {
    expectProblem(
      await upload(`{"__proto__":{"admin":true},"filename":"a.jpg","contentType":"image/jpeg","size":1}`),
      400,
    );
    expectProblem(await upload('{"filename":'), 400);
    expectProblem(await send(stack, token, 'POST', '/v1/uploads', json(UPLOAD), { 'content-type': 'text/plain' }), 415);
    expectProblem(
      await send(stack, token, 'POST', '/v1/uploads', 'filename=a', {
        'content-type': 'application/x-www-form-urlencoded',
      }),
      415,
    );
    expectProblem(await upload(json({ ...UPLOAD, filename: 'a'.repeat(70_000) })), 413);
  });

  it('answers oversized headers with 431 problem+json', async () => {
    const answer = await new Promise<{ status: number; type: string; body: string }>((resolve, reject) => {
      const req = httpRequest(`${stack.apiUrl}/healthz`, { headers: { 'x-padding': 'x'.repeat(64 * 1024) } }, (res) => {
        let body = '';
        res.on('data', (chunk: Buffer) => (body += chunk.toString()));
        res.on('end', () => resolve({ status: res.statusCode!, type: String(res.headers['content-type']), body }));
      });
      req.on('error', reject);
      req.end();
    });
    expect(answer.status).toBe(431);
    expect(answer.type).toBe('application/problem+json');
    expect(JSON.parse(answer.body)).toMatchObject({ status: 431, code: 'headers-too-large' });
  });

  it.each([
    ['a number', 42],
    ['an object', { id: 'alice' }],
    ['an array', ['alice']],
    ['a boolean', true],
  ])('a token whose sub is %s → 401 problem+json', async (_name, sub) => {
    const jwt = await new SignJWT({ sub } as unknown as Record<string, unknown>)
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer('image-upload-platform')
      .setAudience('image-upload-api')
      .setExpirationTime('5m')
      .sign(new TextEncoder().encode(LOCAL_JWT_SECRET));
    expectProblem(await send(stack, jwt, 'GET', '/v1/images'), 401);
  });

  const cursor = (text: string) => Buffer.from(text).toString('base64url');
  it.each([
    ['a far-future year', cursor(`+275760-09-13T00:00:00.000Z|${randomUUID()}`)],
    ['an impossible date', cursor(`2026-02-31T00:00:00.000Z|${randomUUID()}`)],
    ['a month 13', cursor(`2026-13-01T00:00:00.000Z|${randomUUID()}`)],
    ['an id of dashes', cursor(`2026-01-01T00:00:00.000Z|${'-'.repeat(36)}`)],
    ['an id that is not hex', cursor(`2026-01-01T00:00:00.000Z|zzzzzzzz-zzzz-zzzz-zzzz-zzzzzzzzzzzz`)],
    ['a SQL fragment', cursor(`2026-01-01T00:00:00.000Z|' OR 1=1 --`)],
    ['random bytes', Buffer.from(Array.from({ length: 48 }, (_, i) => (i * 37) % 256)).toString('base64url')],
    ['an empty cursor', cursor('|')],
  ])('a well-formed but bogus cursor (%s) → 400 naming cursor', async (_name, value) => {
    expectProblem(await send(stack, token, 'GET', `/v1/images?cursor=${encodeURIComponent(value)}`), 400, 'cursor');
  });

  it.each([
    ['limit', '?limit=0'],
    ['limit', '?limit=101'],
    ['limit', '?limit=abc'],
    ['limit', '?limit=1&limit=2'],
    ['limit', '?limit=1e3'],
    ['cursor', '?cursor=a&cursor=b'],
    ['unknown', '?unknown=1'],
  ])('query %s %s → 400', async (field, query) => {
    const result = await send(stack, token, 'GET', `/v1/images${query}`);
    expectProblem(result, 400, field === 'unknown' ? undefined : field);
  });

  it.each([
    ['GET', '/v1/images/not-a-uuid', 'imageId'],
    ['DELETE', '/v1/images/1', 'imageId'],
    ['GET', '/v1/uploads/%ED%A0%80', undefined],
    ['GET', `/v1/uploads/${'0'.repeat(300)}`, undefined],
    ['POST', '/v1/images/xyz/render-url', 'imageId'],
    ['GET', '/v1/admin/erasures/abc', undefined],
  ])('%s %s → 4xx problem+json', async (method, path, field) => {
    const result = await send(stack, token, method, path, method === 'POST' ? '{}' : undefined);
    expect(result.status).toBeGreaterThanOrEqual(400);
    expect(result.status).toBeLessThan(500);
    expect(result.type).toContain('application/problem+json');
    if (field && result.status === 400) expect(result.problem.errors?.map((e) => e.field)).toContain(field);
  });

  it.each([
    ['width', { width: '100' }],
    ['width', { width: null }],
    ['width', { width: [100] }],
    ['fit', { fit: ['cover'] }],
    ['format', { format: 'gif' }],
    ['quality', { quality: 1000 }],
  ])('render-url with a bad %s → 400 naming it', async (field, body) => {
    expectProblem(await send(stack, token, 'POST', `/v1/images/${randomUUID()}/render-url`, json(body)), 400, field);
  });

  it('the render route refuses junk tokens and parameters with 4xx', async () => {
    for (const path of [
      '/v1/render/garbage?w=100',
      '/v1/render/%ED%A0%80?w=100&exp=1&sig=x',
      `/v1/render/${'a'.repeat(300)}`,
      '/v1/render/x?w=100&w=200',
      '/v1/render/x?fmt=%00',
    ]) {
      const result = await fetch(`${stack.apiUrl}${path}`);
      expect({ path, status: result.status >= 400 && result.status < 500 }).toEqual({ path, status: true });
      expect(result.headers.get('content-type')).toContain('application/problem+json');
    }
  });

  it('the dev token and erasure bodies are checked the same way', async () => {
    const dev = (body: string) => send(stack, token, 'POST', '/v1/dev/token', body);
    expectProblem(await dev(json({ userId: 42 })), 400, 'userId');
    expectProblem(await dev(json({ userId: 'a', roles: 'admin' })), 400, 'roles');
    expectProblem(await dev(json({ userId: 'a', roles: null })), 400, 'roles');
    expectProblem(await send(stack, token, 'DELETE', '/v1/users/me', json({ confirm: null })), 400, 'confirm');
  });

  it('serves neither /docs nor /metrics on the public listener when docs are off', async () => {
    for (const path of ['/docs', '/docs/json', '/metrics']) {
      const response = await fetch(`${stack.apiUrl}${path}`);
      expect({ path, status: response.status }).toEqual({ path, status: 404 });
    }
  });

  it('never answered with a server error', async () => {
    // A last request after all others: a 5xx anywhere above would have been logged and asserted on.
    expect((await new ApiClient(stack.apiUrl, token).request('GET', '/v1/images')).status).toBe(200);
  });
});
