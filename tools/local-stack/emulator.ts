import { ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

export interface EmulatorHandle {
  endpoint: string;
  /** The moto process, when this call started one (not when one was already running). */
  process?: ChildProcess;
  stop(): Promise<void>;
}

const VENV_PYTHON = join('.venv', 'bin', 'python3');
/** moto's server with ReceiveMessage made atomic per queue (see the file for why). */
const MOTO_LAUNCHER = join('tools', 'emulator', 'moto-server.py');

function motoCommand(): [string, string] {
  // Compiled (dist/tools/local-stack) and source (tools/local-stack) both sit under the root.
  for (const root of [join(__dirname, '..', '..', '..'), join(__dirname, '..', '..')]) {
    const [python, launcher] = [join(root, VENV_PYTHON), join(root, MOTO_LAUNCHER)];
    if (existsSync(python) && existsSync(launcher)) return [python, launcher];
  }
  throw new Error('moto is not installed: run `npm run setup` (it creates .venv with a pinned moto[server]).');
}

export async function isListening(endpoint: string): Promise<boolean> {
  try {
    const response = await fetch(`${endpoint}/moto-api/`, { signal: AbortSignal.timeout(1_000) });
    await response.arrayBuffer();
    return true;
  } catch {
    return false;
  }
}

async function waitUntilListening(endpoint: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`moto exited early with code ${child.exitCode}`);
    if (await isListening(endpoint)) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`moto did not answer on ${endpoint} within ${timeoutMs} ms`);
}

export function stopChild(child: ChildProcess, graceMs = 5_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/**
 * Starts moto in server mode (S3 + SQS over HTTP) unless something already answers there,
 * in which case that emulator is reused and left running.
 */
export async function startEmulator(options: {
  host: string;
  port: number;
  onOutput?: (line: string) => void;
}): Promise<EmulatorHandle> {
  const endpoint = `http://${options.host}:${options.port}`;
  if (await isListening(endpoint)) return { endpoint, stop: async () => undefined };
  const [python, launcher] = motoCommand();
  const child = spawn(python, [launcher, '-H', options.host, '-p', String(options.port)], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, PYTHONUNBUFFERED: '1' },
  });
  const forward = (chunk: Buffer) =>
    chunk
      .toString()
      .split('\n')
      .filter((line) => line.trim())
      .forEach((line) => options.onOutput?.(line));
  child.stdout?.on('data', forward);
  child.stderr?.on('data', forward);
  await waitUntilListening(endpoint, child, 30_000);
  return { endpoint, process: child, stop: () => stopChild(child) };
}
