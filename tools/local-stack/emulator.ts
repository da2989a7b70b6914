import { ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface EmulatorHandle {
  endpoint: string;
  /** The LocalStack process, when this call started one (not when one was already running). */
  process?: ChildProcess;
  stop(): Promise<void>;
}

const VENV_PYTHON = join('.venv', 'bin', 'python3');
const SERVICES = ['s3', 'sqs'];

function venvPython(): string {
  // Compiled (dist/tools/local-stack) and source (tools/local-stack) both sit under the root.
  for (const root of [join(__dirname, '..', '..', '..'), join(__dirname, '..', '..')]) {
    const python = join(root, VENV_PYTHON);
    if (existsSync(python)) return python;
  }
  throw new Error('LocalStack is not installed: run `npm run setup` (it creates .venv from tools/emulator).');
}

/**
 * LocalStack in host mode, S3 and SQS only, with SigV4 verification of every signed and
 * presigned request. `LOCALSTACK_HOST` makes queue URLs name the address it listens on (its
 * default, localhost.localstack.cloud, does not resolve without a network); the hypercorn gateway
 * avoids the Twisted one's extra TLS dependencies; DNS, analytics and certificate downloads are off
 * because there is no network. Each instance keeps its files in a directory of its own (it clears
 * its temporary folder on start and stop), so parallel runs on one machine leave each other alone.
 */
export function localStackEnv(host: string, port: number, filesystemRoot: string): NodeJS.ProcessEnv {
  return {
    GATEWAY_LISTEN: `${host}:${port}`,
    LOCALSTACK_HOST: `${host}:${port}`,
    SERVICES: SERVICES.join(','),
    SQS_ENDPOINT_STRATEGY: 'path',
    GATEWAY_SERVER: 'hypercorn',
    S3_SKIP_SIGNATURE_VALIDATION: '0',
    DNS_ADDRESS: '0',
    DISABLE_EVENTS: '1',
    SKIP_SSL_CERT_DOWNLOAD: '1',
    OVERRIDE_IN_DOCKER: '0',
    FILESYSTEM_ROOT: filesystemRoot,
  };
}

/** True when LocalStack answers at `endpoint` with S3 and SQS up. */
export async function isListening(endpoint: string): Promise<boolean> {
  try {
    const response = await fetch(`${endpoint}/_localstack/health`, { signal: AbortSignal.timeout(1_000) });
    if (!response.ok) return false;
    const { services } = (await response.json()) as { services?: Record<string, string> };
    return SERVICES.every((name) => ['available', 'running'].includes(services?.[name] ?? ''));
  } catch {
    return false;
  }
}

async function waitUntilListening(endpoint: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`LocalStack exited early with code ${child.exitCode}`);
    if (await isListening(endpoint)) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`LocalStack did not answer on ${endpoint} within ${timeoutMs} ms`);
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
 * Starts LocalStack (S3 + SQS over HTTP) unless one already answers there, in which case that
 * emulator is reused and left running.
 */
export async function startEmulator(options: {
  host: string;
  port: number;
  onOutput?: (line: string) => void;
}): Promise<EmulatorHandle> {
  const endpoint = `http://${options.host}:${options.port}`;
  if (await isListening(endpoint)) return { endpoint, stop: async () => undefined };
  const python = venvPython();
  const filesystemRoot = mkdtempSync(join(tmpdir(), 'localstack-'));
  const child = spawn(python, ['-m', 'localstack.runtime.main'], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, PYTHONUNBUFFERED: '1', ...localStackEnv(options.host, options.port, filesystemRoot) },
  });
  const forward = (chunk: Buffer) =>
    chunk
      .toString()
      .split('\n')
      .filter((line) => line.trim())
      .forEach((line) => options.onOutput?.(line));
  child.stdout?.on('data', forward);
  child.stderr?.on('data', forward);
  const stop = async () => {
    await stopChild(child);
    rmSync(filesystemRoot, { recursive: true, force: true });
  };
  try {
    await waitUntilListening(endpoint, child, 60_000);
  } catch (error) {
    await stop();
    throw error;
  }
  return { endpoint, process: child, stop };
}
