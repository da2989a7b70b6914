import { spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import { Client } from 'pg';
import { databaseUrl } from '../libs/config/src/database-url';
import { startEmulator } from '../tools/local-stack/emulator';

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

// Not `image_uploads_test_`: runs of the code before the pid fix below drop every isolated
// database under that prefix, including those of runs still going.
const TEST_DB_PREFIX = 'image_uploads_run_';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function adminUrl(): string {
  return Object.assign(new URL(databaseUrl(process.env)), { pathname: '/postgres' }).toString();
}

/**
 * A database of its own per run (named after this process), so concurrent runs on one
 * machine never drop each other's data; ones left by runs that died are cleared here.
 */
async function freshDatabase(): Promise<{ name: string; url: string }> {
  const name = `${TEST_DB_PREFIX}${process.pid}`;
  const admin = new Client({ connectionString: adminUrl() });
  await admin.connect();
  try {
    const existing = await admin.query<{ datname: string }>(
      `SELECT datname FROM pg_database WHERE datname LIKE '${TEST_DB_PREFIX}%'`,
    );
    for (const { datname } of existing.rows) {
      // Isolated databases of a run are named `<run's database>_<tag>`: the pid is the leading digits.
      const pid = Number.parseInt(datname.slice(TEST_DB_PREFIX.length), 10);
      if (datname === name || !alive(pid)) await admin.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
    }
    await admin.query(`CREATE DATABASE "${name}"`);
  } finally {
    await admin.end();
  }
  const url = Object.assign(new URL(databaseUrl(process.env)), { pathname: `/${name}` }).toString();
  const migrate = spawnSync('npx', ['prisma', 'migrate', 'deploy'], {
    env: { ...process.env, DATABASE_URL: url },
    encoding: 'utf8',
  });
  if (migrate.status !== 0) throw new Error(`prisma migrate deploy failed:\n${migrate.stdout}\n${migrate.stderr}`);
  return { name, url };
}

export async function dropDatabase(name: string): Promise<void> {
  const admin = new Client({ connectionString: adminUrl() });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  } finally {
    await admin.end();
  }
}

export default async function globalSetup(): Promise<void> {
  const [database, port] = await Promise.all([freshDatabase(), freePort()]);
  const emulator = await startEmulator({ host: '127.0.0.1', port });
  Object.assign(globalThis, { __EMULATOR__: emulator, __TEST_DATABASE__: database.name });
  // Test workers are forked after this and inherit these.
  Object.assign(process.env, {
    DATABASE_URL: database.url,
    AWS_ENDPOINT_URL: emulator.endpoint,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
  });
}
