import { spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import { Client } from 'pg';
import { databaseUrl } from '../libs/config/src/database-url';
import { startEmulator } from '../tools/local-stack/emulator';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/** A database of its own per run, so tests never touch the local stack's data. */
async function freshDatabase(): Promise<string> {
  const base = new URL(databaseUrl(process.env));
  const name = process.env.TEST_DATABASE_NAME ?? 'image_uploads_test';
  const admin = new Client({ connectionString: Object.assign(new URL(base), { pathname: '/postgres' }).toString() });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await admin.query(`CREATE DATABASE "${name}"`);
  } finally {
    await admin.end();
  }
  const url = Object.assign(new URL(base), { pathname: `/${name}` }).toString();
  const migrate = spawnSync('npx', ['prisma', 'migrate', 'deploy'], {
    env: { ...process.env, DATABASE_URL: url },
    encoding: 'utf8',
  });
  if (migrate.status !== 0) throw new Error(`prisma migrate deploy failed:\n${migrate.stdout}\n${migrate.stderr}`);
  return url;
}

export default async function globalSetup(): Promise<void> {
  const [databaseUrlForTests, port] = await Promise.all([freshDatabase(), freePort()]);
  const emulator = await startEmulator({ host: '127.0.0.1', port });
  (globalThis as { __EMULATOR__?: unknown }).__EMULATOR__ = emulator;
  // Test workers are forked after this and inherit these.
  Object.assign(process.env, {
    DATABASE_URL: databaseUrlForTests,
    AWS_ENDPOINT_URL: emulator.endpoint,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
  });
}
