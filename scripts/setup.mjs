// `npm run setup`: everything a fresh machine needs, idempotent. Each step says what it does
// and how long it took; a step that has nothing to do says so.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import {
  isCurrent,
  LOCAL_NODE,
  LOCAL_NODE_BIN,
  LOCAL_NODE_DIR,
  reexecUnderLocalNode,
  withBinFirst,
} from './node-runtime.mjs';

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

/**
 * Node 24 from the npm registry's platform package (the binary is in its tarball; no install
 * script), checked against the integrity pinned in node-runtime.mjs, unpacked into .tools/node.
 */
function installLocalNode() {
  const installed = spawnSync(LOCAL_NODE_BIN, ['--version'], { encoding: 'utf8' }).stdout?.trim();
  if (installed === `v${LOCAL_NODE.version}`) return `${installed} in .tools/node`;
  const platform = `${process.platform}-${process.arch}`;
  const pinned = LOCAL_NODE.integrity[platform];
  if (!pinned) {
    throw new Error(
      `this is Node ${process.version} and no Node 24 package is pinned for ${platform}: ` +
        'install Node 24 (e.g. `nvm install 24`) and run `npm run setup` with it',
    );
  }
  const downloads = join(dirname(LOCAL_NODE_DIR), 'downloads');
  mkdirSync(downloads, { recursive: true });
  const packed = spawnSync(
    'npm',
    ['pack', `node-${platform}@${LOCAL_NODE.version}`, '--pack-destination', downloads, '--json', '--silent'],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] },
  );
  if (packed.status !== 0) throw new Error(`npm pack node-${platform}@${LOCAL_NODE.version} failed`);
  const tarball = join(downloads, JSON.parse(packed.stdout)[0].filename);
  const integrity = `sha512-${createHash('sha512').update(readFileSync(tarball)).digest('base64')}`;
  if (integrity !== pinned) throw new Error(`${tarball}: integrity ${integrity} is not the pinned ${pinned}`);
  rmSync(LOCAL_NODE_DIR, { recursive: true, force: true });
  mkdirSync(LOCAL_NODE_DIR, { recursive: true });
  sh('tar', ['-xzf', tarball, '-C', LOCAL_NODE_DIR, '--strip-components=1']);
  rmSync(tarball);
  return `installed v${LOCAL_NODE.version} into .tools/node (this machine has ${process.version})`;
}

async function main() {
  // First, before anything is installed with it: the rest of setup runs on Node 24.
  if (!isCurrent()) {
    await step('Node 24 (project-local)', installLocalNode);
    process.stdout.write(`  continuing under ${LOCAL_NODE_BIN}\n`);
    await reexecUnderLocalNode();
  }
  process.env.PATH = withBinFirst(dirname(process.execPath)).PATH;
  await step('Node', () => `${process.version} (${process.execPath})`);

  await step('npm dependencies', () =>
    unlessUnchanged('node_modules/.setup-fingerprint', ['package-lock.json', 'package.json'], () =>
      sh('npm', ['ci', '--no-audit', '--no-fund']),
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

  // Its own step and its own folder: whatever the emulator's lock pins, cfn-lint's dependencies
  // come from infra/requirements.lock (hash-checked) and cannot change the emulator's.
  await step('cfn-lint (pinned, in .venv/cfn-lint)', () =>
    unlessUnchanged('.venv/cfn-lint/.setup-fingerprint', ['infra/requirements.lock', '.venv/pyvenv.cfg'], () => {
      rmSync('.venv/cfn-lint', { recursive: true, force: true });
      sh('.venv/bin/pip', [
        'install',
        '--quiet',
        '--disable-pip-version-check',
        '--require-hashes',
        '--no-deps',
        '--target',
        '.venv/cfn-lint',
        '-r',
        'infra/requirements.lock',
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
