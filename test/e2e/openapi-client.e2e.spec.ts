import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startTestStack, TestStack } from '../support/test-stack';

const ROOT = join(__dirname, '..', '..');
const bin = (name: string) => join(ROOT, 'node_modules', '.bin', name);
const run = (command: string, args: string[]) => {
  const result = spawnSync(command, args, { cwd: ROOT, encoding: 'utf8', timeout: 180_000 });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
};

/** A client program as a user of the API would write it, against the generated types. */
const PROGRAM = `import createClient from 'openapi-fetch';
import type { components, paths } from './api';

type Problem = components['schemas']['ProblemDetails'];

export async function uploadPhoto(baseUrl: string, token: string, size: number): Promise<string> {
  const client = createClient<paths>({ baseUrl, headers: { authorization: \`Bearer \${token}\` } });
  // No Idempotency-Key: it is optional.
  const created = await client.POST('/v1/uploads', {
    body: { filename: 'photo.jpg', contentType: 'image/jpeg', size },
  });
  if (created.error) {
    const problem: Problem = created.error;
    throw new Error(\`\${problem.status} \${problem.code}: \${problem.detail}\`);
  }
  // \`original\` is there whenever size <= UPLOAD_MAX_BYTES (a larger original needs multipart: true).
  const original = created.data.original;
  if (!original) throw new Error('too large for one PUT');
  const put = await fetch(original.url, { method: 'PUT', headers: original.headers });
  if (!put.ok) throw new Error(\`S3 refused the upload: \${put.status}\`);
  const session = created.data.multipart;
  if (session) {
    const part = await client.POST('/v1/uploads/sign', {
      body: { method: 'PUT', key: created.data.key, uploadId: session.uploadId, partNumber: session.partCount },
    });
    if (part.error) throw new Error(part.error.detail);
    const sent = await fetch(part.data.url, { method: part.data.method, headers: part.data.headers });
    if (!sent.ok) throw new Error(\`S3 refused part \${session.partCount} of \${session.partSize} bytes\`);
  }
  const retried = await client.POST('/v1/uploads', {
    params: { header: { 'Idempotency-Key': 'photo-1' } },
    body: { filename: 'photo.jpg', contentType: 'image/jpeg', size },
  });
  const status = await client.GET('/v1/uploads/{uploadId}', {
    params: { path: { uploadId: created.data.uploadId } },
  });
  if (status.error) throw new Error(status.error.detail);
  return \`\${status.data.status} \${retried.data?.uploadId ?? ''}\`;
}
`;

describe('the served OpenAPI document', () => {
  let stack: TestStack;
  let dir: string;
  let documentPath: string;
  beforeAll(async () => {
    stack = await startTestStack({ worker: false, forwarder: false });
    mkdirSync(join(ROOT, 'test-artifacts'), { recursive: true });
    // Inside the repository, so the program resolves openapi-fetch from node_modules.
    dir = mkdtempSync(join(ROOT, 'test-artifacts', 'openapi-'));
    documentPath = join(dir, 'openapi.json');
    writeFileSync(documentPath, await (await fetch(`${stack.apiUrl}/docs/json`)).text());
  });
  afterAll(async () => {
    await stack.stop();
    if (!process.env.KEEP_OPENAPI_ARTIFACTS) rmSync(dir, { recursive: true, force: true });
  });

  it('names operations stably, marks public ones, lists servers and tags, and documents errors as problem details', async () => {
    type Operation = {
      operationId: string;
      security?: unknown[];
      parameters?: { in: string; name: string; required?: boolean }[];
      responses: Record<string, { $ref?: string; content?: Record<string, { schema: { $ref: string } }> }>;
    };
    const document = (await (await fetch(`${stack.apiUrl}/docs/json`)).json()) as {
      servers: { url: string }[];
      tags: { name: string; description?: string }[];
      paths: Record<string, Record<string, Operation>>;
    };
    const operations = Object.entries(document.paths).flatMap(([path, item]) =>
      Object.entries(item).map(([method, operation]) => ({ route: `${method.toUpperCase()} ${path}`, ...operation })),
    );
    const ids = Object.fromEntries(operations.map((operation) => [operation.route, operation.operationId]));
    expect(ids).toMatchObject({
      'POST /v1/uploads': 'createUpload',
      'GET /v1/uploads/{uploadId}': 'getUpload',
      'GET /v1/images': 'listImages',
      'GET /v1/images/{imageId}': 'getImage',
      'DELETE /v1/images/{imageId}': 'deleteImage',
    });
    expect(new Set(Object.values(ids)).size).toBe(operations.length);
    expect(document.servers).toEqual([{ url: expect.stringMatching(/^http/) }]);
    for (const tag of document.tags) expect(tag.description).toEqual(expect.any(String));
    for (const operation of operations) {
      expect({ route: operation.route, security: operation.security }).toEqual({
        route: operation.route,
        security: expect.any(Array),
      });
      const errors = Object.entries(operation.responses).filter(([status]) => Number(status) >= 400);
      expect(errors.length).toBeGreaterThan(0);
      for (const [, response] of errors) {
        const problem = response.$ref ?? response.content?.['application/problem+json']?.schema.$ref;
        expect(problem).toMatch(/^#\/components\/(responses\/Problem\d{3}|schemas\/ProblemDetails)$/);
      }
    }
    const publicRoutes = operations
      .filter((operation) => operation.security!.length === 0)
      .map((operation) => operation.route);
    expect(publicRoutes).toEqual(expect.arrayContaining(['GET /healthz', 'GET /readyz', 'GET /v1/render/{token}']));
    // Metrics are served on their own listener (API_METRICS_PORT), never in the public document.
    expect(Object.keys(document.paths)).not.toContain('/metrics');
    expect(publicRoutes).not.toContain('POST /v1/uploads');
    const idempotency = operations
      .find((operation) => operation.route === 'POST /v1/uploads')!
      .parameters!.filter((parameter) => parameter.name.toLowerCase() === 'idempotency-key');
    expect(idempotency).toEqual([expect.objectContaining({ in: 'header', name: 'Idempotency-Key', required: false })]);
  });

  it('passes Redocly lint with no error and no warning the config does not explain', () => {
    const lint = run(bin('redocly'), [
      'lint',
      documentPath,
      '--config',
      join(ROOT, 'redocly.yaml'),
      '--format',
      'stylish',
    ]);
    expect({ status: lint.status, output: lint.output }).toEqual({
      status: 0,
      output: expect.not.stringMatching(/warning|error/i),
    });
  });

  it('generates a TypeScript client with which a program that creates an upload type-checks', () => {
    const generate = run(bin('openapi-typescript'), [documentPath, '--output', join(dir, 'api.ts')]);
    expect(generate).toEqual({ status: 0, output: expect.any(String) });
    writeFileSync(join(dir, 'upload-photo.ts'), PROGRAM);
    const tsc = run(bin('tsc'), [
      '--noEmit',
      '--strict',
      '--target',
      'es2022',
      '--module',
      'nodenext',
      '--moduleResolution',
      'nodenext',
      '--lib',
      'es2022,dom',
      '--types',
      'node',
      '--skipLibCheck',
      join(dir, 'upload-photo.ts'),
    ]);
    expect(tsc).toEqual({ status: 0, output: '' });
  });
});
