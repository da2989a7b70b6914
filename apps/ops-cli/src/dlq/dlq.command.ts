import { parseArgs } from 'node:util';
import { ConfigError, loadWorkerConfig, localEnv, WorkerConfig } from '@lib/config';
import { DeadLetter, MAX_PEEK, RedriveProgress, RedriveSelection } from '@lib/dlq';
import { DlqOperations } from '@lib/operations';
import { createSqsClient, QueueRepository } from '@lib/queue';
import { OpsCliModule, withOpsContext } from '../ops-cli.module';
import { cliActor, CliIo } from '../operator';

const USAGE = `Inspect and redrive the uploads dead-letter queue.

  npm run dlq -- stats                      count and oldest age
  npm run dlq -- peek [--limit N]           a sample (up to ${MAX_PEEK}), without consuming anything
  npm run dlq -- redrive --all              move every message back to the uploads queue
  npm run dlq -- redrive --id ID [--id ID]  move only these messages
  add --json for machine-readable output

Config comes from the environment like the worker's (DATABASE_URL, AWS_*, UPLOADS_QUEUE_URL,
UPLOADS_DLQ_URL). Outside NODE_ENV=production the local stack's defaults fill the gaps, and
queue URLs left unset are looked up by name (uploads, uploads-dlq). Every action is recorded
in the audit table as cli:$USER, and fails when that record cannot be written; a redrive
refuses to move anything while the audit table is unreachable.`;

export interface DlqCliIo extends CliIo {
  /** Progress lines go out at most this often (ms). */
  progressEveryMs?: number;
}

class UsageError extends Error {}

type Command = 'stats' | 'peek' | 'redrive';

interface Parsed {
  command: Command;
  json: boolean;
  limit: number;
  selection?: RedriveSelection;
}

function parse(argv: string[]): Parsed {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      all: { type: 'boolean' },
      id: { type: 'string', multiple: true },
      limit: { type: 'string' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const command = positionals[0];
  if (values.help || !command) throw new UsageError('');
  if (command !== 'stats' && command !== 'peek' && command !== 'redrive') {
    throw new UsageError(`unknown command "${command}"`);
  }
  const limit = values.limit === undefined ? 10 : Number(values.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PEEK) {
    throw new UsageError(`--limit must be 1-${MAX_PEEK}`);
  }
  let selection: RedriveSelection | undefined;
  if (command === 'redrive') {
    const ids = values.id ?? [];
    const all = values.all ?? false;
    if (all === ids.length > 0) throw new UsageError('redrive needs exactly one of --all or --id ID…');
    selection = all ? { all: true } : { messageIds: [...new Set(ids)] };
  }
  return { command, json: values.json ?? false, limit, selection };
}

/** The local stack's defaults, except in production, where nothing may point at an emulator. */
export function cliEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return env.NODE_ENV === 'production' ? { ...env } : { ...env, ...localEnv(env) };
}

/** The worker's own config loader; queue URLs left unset are looked up by name. */
async function loadConfig(io: DlqCliIo): Promise<WorkerConfig> {
  const env = cliEnv(io.env);
  const sqs = createSqsClient({ region: env.AWS_REGION ?? 'us-east-1', endpoint: env.AWS_ENDPOINT_URL });
  const queue = new QueueRepository(sqs);
  try {
    for (const [variable, name] of [
      ['UPLOADS_QUEUE_URL', 'uploads'],
      ['UPLOADS_DLQ_URL', 'uploads-dlq'],
    ] as const) {
      if (env[variable]) continue;
      try {
        env[variable] = await queue.urlOf(name);
      } catch {
        throw new UsageError(`${variable} is not set and no queue named "${name}" was found (is the stack running?)`);
      }
    }
  } finally {
    sqs.destroy();
  }
  return loadWorkerConfig(env);
}

function age(seconds: number | null): string {
  if (seconds === null) return 'unknown';
  if (seconds < 120) return `${seconds} s`;
  if (seconds < 7200) return `${Math.round(seconds / 60)} min`;
  return `${(seconds / 3600).toFixed(1)} h`;
}

function formatDeadLetter(message: DeadLetter): string {
  const keys = message.objectKeys.length ? message.objectKeys.join(', ') : '(no object key)';
  const sent = message.sentAt?.toISOString() ?? '?';
  return `  ${message.messageId}  ${message.stage.padEnd(9)} ${String(message.receiveCount).padStart(3)}×  ${sent}  ${keys}\n      ${message.reason}`;
}

function progressPrinter(io: DlqCliIo): (progress: RedriveProgress) => void {
  let last = 0;
  return ({ moved, failed, total }) => {
    const now = Date.now();
    if (now - last < (io.progressEveryMs ?? 1_000)) return;
    last = now;
    io.err(`moved ${moved}/${total}${failed ? ` (${failed} failed)` : ''}…`);
  };
}

async function run(parsed: Parsed, io: DlqCliIo): Promise<number> {
  const config = await loadConfig(io);
  return withOpsContext(OpsCliModule.forDlq(config), async (app) => {
    const dlq = app.get(DlqOperations);
    const operator = { actor: cliActor(io.env), via: 'cli' };

    if (parsed.command === 'redrive') {
      const result = await dlq.redrive(operator, parsed.selection!, progressPrinter(io));
      if (parsed.json) io.out(JSON.stringify(result));
      else {
        io.out(`moved ${result.moved}; ${result.remaining} left in ${dlq.queueName}`);
        if (result.missing.length) io.out(`not in the DLQ (not moved): ${result.missing.join(', ')}`);
        for (const f of result.failed) io.out(`left in the DLQ: ${f.messageId}: ${f.reason}`);
      }
      return result.failed.length ? 1 : 0;
    }

    const { sample, ...summary } =
      parsed.command === 'stats' ? await dlq.stats(operator) : await dlq.inspect(operator, parsed.limit);
    if (parsed.json) {
      io.out(JSON.stringify(parsed.command === 'stats' ? summary : { ...summary, sample }));
      return 0;
    }
    io.out(
      `${summary.queue}: ${summary.count} message${summary.count === 1 ? '' : 's'} ` +
        `(${summary.visible} visible, ${summary.inFlight} in flight), oldest ${age(summary.oldestAgeSeconds)}`,
    );
    if (parsed.command === 'peek') sample.forEach((m) => io.out(formatDeadLetter(m)));
    return 0;
  });
}

/** `npm run dlq -- …`; returns the exit code. */
export async function runDlqCli(argv: string[], io: DlqCliIo): Promise<number> {
  let parsed: Parsed;
  try {
    parsed = parse(argv);
  } catch (error) {
    if (error instanceof UsageError && error.message) io.err(`error: ${error.message}\n`);
    io.err(USAGE);
    return 2;
  }
  try {
    return await run(parsed, io);
  } catch (error) {
    if (error instanceof UsageError || error instanceof ConfigError) {
      io.err(`error: ${error.message}`);
      return 2;
    }
    io.err(`error: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
}
