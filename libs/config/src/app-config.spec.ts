import { multipartPlan, S3_LIST_PARTS_PAGE } from '@lib/contracts';
import { ConfigError, loadApiConfig, loadErasureCliConfig, loadWorkerConfig } from './app-config';
import { WELL_KNOWN_SECRETS } from './production-secrets';

const QUEUES = {
  UPLOADS_QUEUE_URL: 'https://sqs.eu-west-1.amazonaws.com/1/uploads',
  UPLOADS_DLQ_URL: 'https://sqs.eu-west-1.amazonaws.com/1/uploads-dlq',
};
const OWN = {
  AUTH_JWKS_URL: 'https://auth.example.com/.well-known/jwks.json',
  RENDER_SIGNING_SECRET: 'r'.repeat(40),
  ERASURE_AUDIT_SALT: 's'.repeat(40),
  USER_KEY_SECRET: 'u'.repeat(40),
  RENDER_ORIGIN_SECRET: 'o'.repeat(40),
};

// The loaders read NODE_ENV from the environment they are given, like every other variable.
const PRODUCTION = { NODE_ENV: 'production' };

function refused(action: () => unknown): string[] {
  try {
    action();
    return [];
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return [...error.message.matchAll(/^ {2}- (\w+):/gm)].map((m) => m[1]!);
  }
}

describe('configuration in production', () => {
  it('accepts secrets of its own', () => {
    expect(refused(() => loadApiConfig({ ...PRODUCTION, ...QUEUES, ...OWN }))).toEqual([]);
    expect(refused(() => loadWorkerConfig({ ...PRODUCTION, ...QUEUES, ...OWN }))).toEqual([]);
  });

  it.each([
    'AUTH_JWT_SECRET',
    'RENDER_SIGNING_SECRET',
    'ERASURE_AUDIT_SALT',
    'USER_KEY_SECRET',
    'RENDER_ORIGIN_SECRET',
  ])('refuses every well-known local value as %s', (name) => {
    for (const value of WELL_KNOWN_SECRETS) {
      expect(refused(() => loadApiConfig({ ...PRODUCTION, ...QUEUES, ...OWN, [name]: value }))).toContain(name);
    }
    const placeholder = 'change-me-change-me-change-me-change-me';
    expect(refused(() => loadApiConfig({ ...PRODUCTION, ...QUEUES, ...OWN, [name]: placeholder }))).toContain(name);
  });

  it('refuses them in the worker and the erasure CLI too, and requires USER_KEY_SECRET', () => {
    const local = WELL_KNOWN_SECRETS[3]!;
    expect(refused(() => loadWorkerConfig({ ...PRODUCTION, ...QUEUES, ...OWN, USER_KEY_SECRET: local }))).toEqual([
      'USER_KEY_SECRET',
    ]);
    expect(
      refused(() => loadErasureCliConfig({ ...PRODUCTION, ...OWN, ERASURE_AUDIT_SALT: WELL_KNOWN_SECRETS[2]! })),
    ).toEqual(['ERASURE_AUDIT_SALT']);
    const { USER_KEY_SECRET: _omitted, ...withoutUserKey } = OWN;
    expect(refused(() => loadApiConfig({ ...PRODUCTION, ...QUEUES, ...withoutUserKey }))).toContain('USER_KEY_SECRET');
  });

  it('turns the docs off in production unless asked, and keeps metrics off the public port', () => {
    const production = loadApiConfig({ ...PRODUCTION, ...QUEUES, ...OWN });
    expect(production.docsEnabled).toBe(false);
    expect(production.metrics.port).not.toBe(production.port);
    expect(loadApiConfig({ ...PRODUCTION, ...QUEUES, ...OWN, API_DOCS_ENABLED: 'true' }).docsEnabled).toBe(true);
    expect(loadApiConfig({ ...QUEUES, AUTH_JWT_SECRET: WELL_KNOWN_SECRETS[0]! }).docsEnabled).toBe(true);
  });

  it('accepts the local values outside production', () => {
    expect(
      refused(() =>
        loadApiConfig({
          ...QUEUES,
          AUTH_JWT_SECRET: WELL_KNOWN_SECRETS[0]!,
          RENDER_SIGNING_SECRET: WELL_KNOWN_SECRETS[1]!,
        }),
      ),
    ).toEqual([]);
  });

  it('keeps every multipart session within one ListParts page, all that @uppy/aws-s3 6.x reads when it resumes', () => {
    const env = { ...QUEUES, AUTH_JWT_SECRET: 'a'.repeat(32), MULTIPART_PART_SIZE_BYTES: String(5 * 1024 * 1024) };
    const { multipart } = loadApiConfig({ ...env, MULTIPART_MAX_BYTES: '2147483647' }).uploads;
    const { partCount } = multipartPlan(multipart.maxBytes, multipart.partSizeBytes);
    expect(partCount).toBe(410);
    expect(partCount).toBeLessThanOrEqual(S3_LIST_PARTS_PAGE);
    expect(refused(() => loadApiConfig({ ...env, MULTIPART_MAX_BYTES: '2147483648' }))).toEqual([
      'MULTIPART_MAX_BYTES',
    ]);
    expect(refused(() => loadApiConfig({ ...env, MULTIPART_PART_SIZE_BYTES: String(5 * 1024 * 1024 - 1) }))).toEqual([
      'MULTIPART_PART_SIZE_BYTES',
    ]);
  });

  it('reads the render ladder sorted and without duplicates', () => {
    const config = loadApiConfig({ ...QUEUES, AUTH_JWT_SECRET: 'a'.repeat(32), RENDER_SIZE_LADDER: '640, 64,640,128' });
    expect(config.render.sizeLadder).toEqual([64, 128, 640]);
  });

  it('takes 1 to 8 uploads-queue pollers, 2 unless told', () => {
    expect(loadWorkerConfig(QUEUES).consumer.pollers).toBe(2);
    expect(loadWorkerConfig({ ...QUEUES, WORKER_POLLERS: '8' }).consumer.pollers).toBe(8);
    expect(refused(() => loadWorkerConfig({ ...QUEUES, WORKER_POLLERS: '9' }))).toEqual(['WORKER_POLLERS']);
    expect(refused(() => loadWorkerConfig({ ...QUEUES, WORKER_POLLERS: '0' }))).toEqual(['WORKER_POLLERS']);
  });
});
