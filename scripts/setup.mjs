// `npm run setup`: everything a fresh machine needs, idempotent. Each step says what it does
// and how long it took; a step that has nothing to do says so.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

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
  const note = work();
  writeFileSync(marker, current);
  return typeof note === 'string' ? note : 'done';
}

const EMULATOR_LOCK = 'tools/emulator/requirements.lock';
// LocalStack 2026.3 imports warnings.deprecated, which Python 3.13 added (on 3.12 it fails to start).
const EMULATOR_MIN_PYTHON = [3, 13];

function pythonVersion(executable) {
  const probe = spawnSync(executable, ['-c', 'import sys; print("%d.%d" % sys.version_info[:2])'], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  if (probe.status !== 0) return undefined;
  const [major, minor] = probe.stdout.trim().split('.').map(Number);
  return { major, minor };
}

/**
 * A Python new enough for LocalStack: EMULATOR_PYTHON if set, else the newest of python3.x on the
 * PATH and pyenv's installed versions (pyenv's shims only run the globally selected one).
 */
function findPython() {
  if (process.env.EMULATOR_PYTHON) {
    const version = pythonVersion(process.env.EMULATOR_PYTHON);
    if (!version) throw new Error(`EMULATOR_PYTHON=${process.env.EMULATOR_PYTHON} does not run`);
    return checkedPython(process.env.EMULATOR_PYTHON, version, true);
  }
  const pyenvVersions = join(process.env.PYENV_ROOT ?? join(homedir(), '.pyenv'), 'versions');
  const candidates = [
    ...['python3.14', 'python3.13', 'python3'],
    ...(existsSync(pyenvVersions)
      ? readdirSync(pyenvVersions).map((v) => join(pyenvVersions, v, 'bin', 'python3'))
      : []),
  ];
  const found = candidates
    .map((path) => ({ path, version: pythonVersion(path) }))
    .filter((c) => c.version)
    .sort((a, b) => b.version.major - a.version.major || b.version.minor - a.version.minor);
  if (found.length === 0) return checkedPython('python3', undefined, true);
  return checkedPython(found[0].path, found[0].version, false);
}

function checkedPython(path, version, named) {
  const [major, minor] = EMULATOR_MIN_PYTHON;
  if (version && (version.major > major || (version.major === major && version.minor >= minor))) {
    return { path, version: `${version.major}.${version.minor}` };
  }
  const seen = version
    ? `${named ? path : 'the newest Python found'} is ${version.major}.${version.minor}`
    : 'no Python 3 was found';
  throw new Error(
    `the S3/SQS emulator (LocalStack) needs Python >= ${major}.${minor}, and ${seen} ` +
      `(looked at python3.14, python3.13, python3 on the PATH and ~/.pyenv/versions). Install one ` +
      `(Debian 13: apt-get install python3 python3-venv; macOS: brew install python@3.13; ` +
      `pyenv: pyenv install 3.13) or point EMULATOR_PYTHON at its executable, then run setup again.`,
  );
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

  await step('S3/SQS emulator (LocalStack, pinned with hashes, in .venv)', () =>
    unlessUnchanged('.venv/.setup-fingerprint', [EMULATOR_LOCK], () => {
      const python = findPython();
      // A fresh venv each time the lock changes: nothing left over from an older lock (or moto).
      rmSync('.venv', { recursive: true, force: true });
      sh(python.path, ['-m', 'venv', '.venv']);
      sh('.venv/bin/python', [
        '-m',
        'pip',
        'install',
        '--quiet',
        '--disable-pip-version-check',
        '--require-hashes',
        '-r',
        EMULATOR_LOCK,
      ]);
      return `Python ${python.version} (${python.path})`;
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
