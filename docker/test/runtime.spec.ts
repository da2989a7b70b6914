import { createServer, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parse } from 'pg-connection-string';
import { databaseUrlFromSecret } from '../runtime/database-url.preload';
import { healthPort, isHealthy } from '../runtime/healthcheck';

const secret = {
  username: 'platform',
  // What Secrets Manager may generate: the RDS exclusions still leave characters a URL must escape.
  password: 'p=a,s.s^w-o_r]d\u00e9:%',
  host: 'upload-platform-db.cluster-abc.eu-central-1.rds.amazonaws.com',
  port: 5432,
  dbname: 'image_uploads',
  engine: 'postgres',
};

describe('database-url preload', () => {
  it('builds the URL pg will read back exactly, with full TLS verification', () => {
    const url = databaseUrlFromSecret(JSON.stringify(secret));
    expect(parse(url)).toMatchObject({
      user: secret.username,
      password: secret.password,
      host: secret.host,
      port: '5432',
      database: 'image_uploads',
    });
    expect(new URL(url).searchParams.get('sslmode')).toBe('verify-full');
  });

  it('names what the secret lacks (the attachment adds host and port only once the cluster exists)', () => {
    const { host: _host, port: _port, ...bare } = secret;
    expect(() => databaseUrlFromSecret(JSON.stringify(bare))).toThrow('DATABASE_SECRET lacks host, port');
  });

  it('sets DATABASE_URL from DATABASE_SECRET when loaded, and drops the raw secret', async () => {
    const saved = { ...process.env };
    try {
      delete process.env.DATABASE_URL;
      process.env.DATABASE_SECRET = JSON.stringify(secret);
      await jest.isolateModulesAsync(async () => {
        await import('../runtime/database-url.preload');
      });
      expect(process.env.DATABASE_URL).toBe(databaseUrlFromSecret(JSON.stringify(secret)));
      expect(process.env.DATABASE_SECRET).toBeUndefined();
    } finally {
      process.env = saved;
    }
  });

  it('leaves an explicit DATABASE_URL alone (compose and local runs)', async () => {
    const saved = { ...process.env };
    try {
      process.env.DATABASE_URL = 'postgresql://postgres@postgres:5432/image_uploads';
      process.env.DATABASE_SECRET = JSON.stringify(secret);
      await jest.isolateModulesAsync(async () => {
        await import('../runtime/database-url.preload');
      });
      expect(process.env.DATABASE_URL).toBe('postgresql://postgres@postgres:5432/image_uploads');
    } finally {
      process.env = saved;
    }
  });
});

describe('healthcheck', () => {
  let server: Server;
  let status = 200;
  let port: number;

  beforeAll(async () => {
    server = createServer((request, response) => response.writeHead(request.url === '/healthz' ? status : 404).end());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise((resolve) => (server.listening ? server.close(resolve) : resolve(undefined))));

  it('checks the port each app listens on, with the apps defaults', () => {
    expect(healthPort('api', {})).toBe(3000);
    expect(healthPort('worker', { WORKER_METRICS_PORT: '' })).toBe(9464);
    expect(healthPort('api', { PORT: '8080' })).toBe(8080);
  });

  it('is healthy on a 200 from /healthz and unhealthy otherwise', async () => {
    status = 200;
    await expect(isHealthy('api', { PORT: String(port) })).resolves.toBe(true);
    status = 503;
    await expect(isHealthy('worker', { WORKER_METRICS_PORT: String(port) })).resolves.toBe(false);
    await new Promise((resolve) => server.close(resolve));
    await expect(isHealthy('api', { PORT: String(port) }, 500)).resolves.toBe(false);
  });
});
