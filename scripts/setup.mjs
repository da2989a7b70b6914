// `npm run setup`: everything a fresh machine needs, idempotent. Each step says what it does
// and how long it took; a step that has nothing to do says so.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';

const DEFAULT_DATABASE_URL = 'postgresql://postgres@127.0.0.1:5432/image_uploads';
const databaseUrl = process.env.DATABASE_URL || DEFAULT_DATABASE_URL;

function sh(command, args, options = {}) {
  const result = spawnSync(command, args, { stdio: 'inherit', ...options });
  if (result.status !== 0) throw new Error(`\`${command} ${args.join(' ')}\` exited with ${result.status}`);
  return result;
}

function fingerprint(...files) {
  const hash = createHash('sha256');
  for (const file of files) hash.update(existsSync(file) ? readFileSync(file) : '');
  return hash.digest('hex');
}

/** Runs `work` only when `inputs` changed since the last successful run (or the marker is gone). */
function unlessUnchanged(marker, inputs, work) {
  const current = fingerprint(...inputs);
  if (existsSync(marker) && readFileSync(marker, 'utf8') === current) return 'up to date';
  work();
  writeFileSync(marker, current);
  return 'done';
}

async function step(name, work) {
  const started = Date.now();
  process.stdout.write(`▶ ${name}\n`);
  const note = await work();
  process.stdout.write(`✔ ${name}${note ? ` — ${note}` : ''} (${((Date.now() - started) / 1000).toFixed(1)} s)\n`);
}

async function postgresReachable() {
  const { Client } = await import('pg');
  const client = new Client({
    connectionString: databaseUrl.replace(/\/[^/?]+(\?|$)/, '/postgres$1'),
    connectionTimeoutMillis: 3000,
  });
  try {
    await client.connect();
    return client;
  } catch {
    return null;
  }
}

async function main() {
  await step('npm dependencies', () =>
    unlessUnchanged('node_modules/.setup-fingerprint', ['package-lock.json'], () =>
      // `npm install` honours package-lock.json; `npm ci` refuses it while the lock lacks some
      // other-platform binaries the offline mirror does not carry (README, "Known gaps").
      sh('npm', ['install', '--no-audit', '--no-fund']),
    ),
  );

  await step('S3/SQS emulator (moto, pinned, in .venv)', () =>
    unlessUnchanged('.venv/.setup-fingerprint', ['tools/emulator/requirements.lock'], () => {
      if (!existsSync('.venv/bin/python')) sh('python3', ['-m', 'venv', '.venv']);
      sh('.venv/bin/pip', [
        'install',
        '--quiet',
        '--disable-pip-version-check',
        '-r',
        'tools/emulator/requirements.lock',
      ]);
    }),
  );

  await step('Chromium (browser tests)', () => {
    const configured = process.env.CHROMIUM_PATH;
    if (configured) {
      if (existsSync(configured)) return `CHROMIUM_PATH=${configured}`;
      throw new Error(`CHROMIUM_PATH=${configured} does not exist`);
    }
    if (existsSync('/usr/bin/chromium')) return 'found /usr/bin/chromium';
    if (process.getuid?.() === 0 && existsSync('/etc/debian_version')) {
      // A fresh image has no package lists; refreshing them is slow, so only when apt knows no chromium.
      const policy = spawnSync('apt-cache', ['policy', 'chromium'], { encoding: 'utf8' }).stdout ?? '';
      if (!/Candidate: (?!\(none\))/.test(policy)) sh('apt-get', ['update', '-q']);
      sh('apt-get', ['install', '-y', '-q', 'chromium'], {
        env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
      });
      return 'installed chromium with apt-get';
    }
    // Not fatal: everything but the browser tests works without it.
    return (
      'not found. Install Chromium (Debian/Ubuntu: `sudo apt-get install chromium`; macOS: ' +
      '`brew install --cask chromium`) and, if it is not /usr/bin/chromium, set CHROMIUM_PATH to its executable'
    );
  });

  await step('PostgreSQL reachable', async () => {
    let client = await postgresReachable();
    if (!client && existsSync('/usr/bin/pg_ctlcluster')) {
      const versions = spawnSync('ls', ['/etc/postgresql'], { encoding: 'utf8' }).stdout.trim().split('\n');
      sh('pg_ctlcluster', ['--skip-systemctl-redirect', versions.at(-1), 'main', 'start']);
      client = await postgresReachable();
    }
    if (!client) {
      throw new Error(
        `no PostgreSQL at ${databaseUrl}. Start one (Debian: apt-get install postgresql) or set DATABASE_URL.`,
      );
    }
    const name = new URL(databaseUrl).pathname.slice(1);
    const exists = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (exists.rowCount === 0) await client.query(`CREATE DATABASE "${name.replace(/"/g, '""')}"`);
    await client.end();
    return exists.rowCount === 0 ? `created database ${name}` : `database ${name} exists`;
  });

  await step('Prisma client', () => {
    sh('npx', ['prisma', 'generate'], { stdio: ['ignore', 'ignore', 'inherit'] });
  });

  await step('database migrations', () => {
    sh('npx', ['prisma', 'migrate', 'deploy'], { stdio: ['ignore', 'ignore', 'inherit'] });
  });

  await step('build (tsc + Lambda bundle + web client)', () => {
    sh('npm', ['run', '--silent', 'build']);
    sh('npm', ['run', '--silent', 'build:lambda']);
    sh('npm', ['run', '--silent', 'build:web']);
  });

  console.log('\nSetup complete. Next: `npm start` runs the stack; `npm test` runs every check.');
}

main().catch((error) => {
  console.error(`\n✖ setup failed: ${error.message}`);
  process.exit(1);
});
