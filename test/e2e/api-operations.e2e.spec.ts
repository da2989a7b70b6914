import { ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { waitFor } from '@lib/testing';
import { ApiClient } from '../support/api-client';
import { devToken, startTestStack, TestStack } from '../support/test-stack';

describe('operations: docs, health, metrics, headers', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack({ worker: false, forwarder: false });
  });
  afterAll(() => stack.stop());

  it('documents every route in the generated OpenAPI document', async () => {
    const document = (await (await fetch(`${stack.apiUrl}/docs/json`)).json()) as { paths: Record<string, object> };
    const documented = Object.entries(document.paths).flatMap(([path, ops]) =>
      Object.keys(ops).map((method) => `${method.toUpperCase()} ${path.replace(/\{(\w+)\}/g, ':$1')}`),
    );
    // Every route the app serves (read from Fastify's own route table) is documented,
    // except the documentation routes themselves.
    const served: string[] = [];
    const fastify = stack.api!.getHttpAdapter().getInstance();
    for (const route of routeTable(fastify)) served.push(route);
    expect(served.length).toBeGreaterThan(8);
    for (const route of served.filter((r) => !r.includes('/docs'))) expect(documented).toContain(route);
    const html = await fetch(`${stack.apiUrl}/docs`);
    expect(html.status).toBe(200);
  });

  it('reports liveness and readiness of PostgreSQL, S3 and SQS', async () => {
    expect(await (await fetch(`${stack.apiUrl}/healthz`)).json()).toEqual({ status: 'ok' });
    const ready = await (await fetch(`${stack.apiUrl}/readyz`)).json();
    expect(ready.status).toBe('ready');
    expect(ready.checks.map((c: { name: string; ok: boolean }) => [c.name, c.ok])).toEqual([
      ['postgres', true],
      ['s3', true],
      ['sqs', true],
    ]);
  });

  it('exposes request counts and latency by route template and status, and uploads issued', async () => {
    const client = new ApiClient(stack.apiUrl, await devToken(stack.apiUrl, 'ops-lena'));
    await client.createUpload({ filename: 'a.jpg', contentType: 'image/jpeg', size: 10 });
    await client.request('GET', '/v1/uploads/00000000-0000-4000-8000-000000000000');
    const metrics = await (await fetch(stack.apiMetricsUrl)).text();
    expect(metrics).toMatch(/http_requests_total\{route="\/v1\/uploads",method="POST",status="201"\} 1/);
    expect(metrics).toMatch(/http_requests_total\{route="\/v1\/uploads\/:uploadId",method="GET",status="404"\} 1/);
    expect(metrics).toContain('http_request_duration_seconds_bucket{le="0.005",route="/v1/uploads"');
    expect(metrics).toMatch(/uploads_issued_total\{thumbnail="no",multipart="no"\} 1/);
  });

  it('sends security headers, a request id, and CORS only to allowed origins', async () => {
    const response = await fetch(`${stack.apiUrl}/healthz`, { headers: { 'x-request-id': 'trace-123' } });
    expect(response.headers.get('x-request-id')).toBe('trace-123');
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('strict-transport-security')).toContain('max-age');
    const allowed = await fetch(`${stack.apiUrl}/v1/uploads`, {
      method: 'OPTIONS',
      headers: { origin: 'http://localhost:3000', 'access-control-request-method': 'POST' },
    });
    expect(allowed.headers.get('access-control-allow-origin')).toBe('http://localhost:3000');
    const denied = await fetch(`${stack.apiUrl}/v1/uploads`, {
      method: 'OPTIONS',
      headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' },
    });
    expect(denied.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('answers unknown routes with a 404 problem document', async () => {
    const response = await fetch(`${stack.apiUrl}/v2/nothing`);
    expect(response.status).toBe(404);
    expect(response.headers.get('content-type')).toContain('application/problem+json');
  });
});

/** Fastify keeps no public route list after boot; printRoutes' tree is parsed instead. */
function routeTable(fastify: { printRoutes(options: object): string }): string[] {
  const text = fastify.printRoutes({ commonPrefix: false, includeMeta: false });
  const routes: string[] = [];
  const stack: string[] = [];
  for (const line of text.split('\n')) {
    const match = /^([\s│]*)[├└]── (.+?) \(([^)]+)\)$/.exec(line) ?? /^([\s│]*)[├└]── (.+)$/.exec(line);
    if (!match) continue;
    const depth = match[1]!.length / 4;
    stack.length = depth;
    stack.push(match[2]!);
    if (match[3]) {
      for (const method of match[3].split(', ')) {
        if (method !== 'HEAD' && method !== 'OPTIONS') routes.push(`${method} ${stack.join('')}`);
      }
    }
  }
  return routes;
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** The built API as its own process (what `npm start` and the images run), its output kept. */
function builtApiProcess(env: NodeJS.ProcessEnv) {
  const state = {
    stack: undefined as TestStack | undefined,
    api: undefined as ChildProcess | undefined,
    output: '',
    base: '',
  };
  beforeAll(async () => {
    state.stack = await startTestStack({ api: false, worker: false, forwarder: false });
    const port = await freePort();
    state.base = `http://127.0.0.1:${port}`;
    state.api = spawn(process.execPath, [join(__dirname, '..', '..', 'dist', 'apps', 'api', 'src', 'main.js')], {
      env: { ...state.stack.env, PORT: String(port), LOG_LEVEL: 'info', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    state.api.stdout!.on('data', (chunk: Buffer) => (state.output += chunk.toString()));
    state.api.stderr!.on('data', (chunk: Buffer) => (state.output += chunk.toString()));
    await waitFor(async () => (await fetch(`${state.base}/healthz`)).ok, { what: 'the API process' });
  });
  afterAll(async () => {
    state.api?.kill('SIGTERM');
    await state.stack?.stop();
  });
  return state;
}

describe('structured logs of the built API process', () => {
  const api = builtApiProcess({});

  it('logs JSON lines of one shape with request ids, and never tokens or presigned URLs', async () => {
    const client = new ApiClient(api.base, await devToken(api.base, 'logs-mona'));
    const session = await client.createUpload({ filename: 'a.jpg', contentType: 'image/jpeg', size: 10 });
    await client.request('GET', `/v1/images?cursor=c2VjcmV0LWN1cnNvcg&limit=5`);
    // An application line written while serving a request (the admin's audit line of a redrive).
    const admin = new ApiClient(api.base, await devToken(api.base, 'logs-admin', ['admin']));
    const redrive = await fetch(`${api.base}/v1/admin/dlq/redrive`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${admin.token}`,
        'content-type': 'application/json',
        'x-request-id': 'redrive-42',
      },
      body: JSON.stringify({ all: true }),
    });
    expect(redrive.headers.get('x-request-id')).toBe('redrive-42');
    await new Promise((resolve) => setTimeout(resolve, 200));
    const lines = api.output.split('\n').filter((line) => line.trim().length > 0);
    const entries = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    // Startup (Nest), request and application lines alike: one shape.
    for (const entry of entries) {
      expect(entry).toMatchObject({
        level: expect.stringMatching(/^(trace|debug|info|warn|error|fatal)$/),
        time: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
        msg: expect.any(String),
      });
    }
    expect(entries.some((entry) => entry.msg === 'api listening')).toBe(true);
    const upload = entries.find((entry) => (entry.req as { path?: string })?.path === '/v1/uploads');
    expect(upload).toMatchObject({ requestId: expect.any(String), res: { statusCode: 201 } });
    // The route template and the caller's pseudonym, never the raw user id.
    expect(upload).toMatchObject({ route: '/v1/uploads', user: expect.stringMatching(/^[0-9a-f]{32}$/) });
    expect(api.output).not.toContain('logs-mona');
    const audit = entries.find((entry) => entry.msg === 'DLQ redrive');
    expect(audit).toMatchObject({ requestId: 'redrive-42', context: 'AdminDlqService' });
    expect(entries.find((entry) => (entry.req as { path?: string })?.path === '/v1/admin/dlq/redrive')).toMatchObject({
      requestId: 'redrive-42',
    });
    expect(api.output).not.toContain(client.token);
    expect(api.output).not.toContain('X-Amz-Signature');
    expect(api.output).not.toContain(new URL(session.original.url).search);
    expect(api.output).not.toContain('c2VjcmV0LWN1cnNvcg');
  });
});

describe('sampled request lines of the built API process', () => {
  const api = builtApiProcess({ LOG_SUCCESS_SAMPLE_RATE: '0' });

  it('with a sample rate of 0 logs no successful request, but every failed one', async () => {
    for (let i = 0; i < 5; i++)
      expect((await fetch(`${api.base}/healthz`, { headers: { 'x-request-id': `ok-${i}` } })).status).toBe(200);
    expect((await fetch(`${api.base}/v1/images`, { headers: { 'x-request-id': 'no-token' } })).status).toBe(401);
    await waitFor(async () => api.output.includes('"no-token"'), { what: 'the 401 request line' });
    const entries = api.output
      .split('\n')
      .filter((line) => line.trim().length > 0)
      .map((line) => JSON.parse(line) as { requestId?: string; level: string; res?: { statusCode: number } });
    expect(entries.filter((entry) => entry.requestId?.startsWith('ok-'))).toEqual([]);
    expect(entries.filter((entry) => entry.requestId === 'no-token')).toEqual([
      expect.objectContaining({ level: 'warn', res: { statusCode: 401 } }),
    ]);
  });
});
