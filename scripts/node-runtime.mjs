// The project runs on Node 24 LTS. Machines that ship an older Node (these ship 20, end of life
// since 2026-04-30) get a project-local Node 24 in .tools/node from `npm run setup`, and every
// entry point imports this module first: under an older Node it runs the same script again under
// .tools/node/bin/node and waits for it, so nothing of the script runs on the old one. Either way
// the running Node's bin directory goes first on PATH, so the children (`npx jest`, tsc, prisma,
// `npm run …`) resolve `node` to the same binary.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { constants } from 'node:os';
import { delimiter, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const REQUIRED_MAJOR = 24;
/** Pinned version and the registry's integrity of each platform package we install from. */
export const LOCAL_NODE = {
  version: '24.22.3',
  integrity: {
    'linux-x64': 'sha512-KHsob+Fv9YerATvYujMbiyJqnRCvLtrcr/eTNqRqiOSGp97EOiRP1yP47+knGgQ/xnc3XY8xzkW587dlZzNqRA==',
    'linux-arm64': 'sha512-IZx0J52/1NDwAsY2iyWR9nlPIYuYviTWetjj8+ElvYQh2+XRhLfCfkbFEF/2O5vGI2hcUbyPNHV+nz342FbJXw==',
  },
};
export const LOCAL_NODE_DIR = join(ROOT, '.tools', 'node');
export const LOCAL_NODE_BIN = join(LOCAL_NODE_DIR, 'bin', 'node');

export function majorOf(version) {
  return Number(version.replace(/^v/, '').split('.')[0]);
}

export function isCurrent() {
  return majorOf(process.versions.node) >= REQUIRED_MAJOR;
}

/** `env` with `binDir` first on PATH (once). */
export function withBinFirst(binDir, env = process.env) {
  const rest = (env.PATH ?? '').split(delimiter).filter((entry) => entry && entry !== binDir);
  return { ...env, PATH: [binDir, ...rest].join(delimiter) };
}

/**
 * Runs this process's script again under the project's Node and exits with its status. Ctrl-C
 * reaches the child from the terminal itself (same process group), so it is not forwarded.
 */
export function reexecUnderLocalNode() {
  const child = spawn(LOCAL_NODE_BIN, [...process.execArgv, ...process.argv.slice(1)], {
    stdio: 'inherit',
    env: withBinFirst(dirname(LOCAL_NODE_BIN)),
  });
  process.on('SIGINT', () => undefined);
  process.on('SIGTERM', () => child.kill('SIGTERM'));
  return new Promise(() => {
    child.on('exit', (code, signal) => process.exit(code ?? 128 + (constants.signals[signal] ?? 0)));
    child.on('error', (error) => {
      console.error(`✖ could not run ${LOCAL_NODE_BIN}: ${error.message}`);
      process.exit(1);
    });
  });
}

/** For entry points: returns once this process runs on Node ≥ 24 (re-executing if needed). */
export async function requireNode24() {
  if (isCurrent()) {
    process.env.PATH = withBinFirst(dirname(process.execPath)).PATH;
    return;
  }
  if (!existsSync(LOCAL_NODE_BIN)) {
    console.error(
      `✖ This project needs Node ${REQUIRED_MAJOR}; this is ${process.version}. ` +
        '`npm run setup` installs it into .tools/node (or install Node 24 yourself).',
    );
    process.exit(1);
  }
  await reexecUnderLocalNode();
}
