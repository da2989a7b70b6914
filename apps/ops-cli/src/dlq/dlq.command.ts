import 'reflect-metadata';
import { userInfo } from 'node:os';
import { parseArgs } from 'node:util';
import { ConfigError, loadWorkerConfig, WorkerConfig } from '@lib/config';
import { AuditRepository, PrismaService } from '@lib/database';
import { createDlqRepository, DeadLetter, MAX_PEEK, RedriveProgress, RedriveSelection } from '@lib/dlq';
import { createSqsClient, QueueRepository } from '@lib/queue';
import { localEnv } from '../local-stack/local-env';

const USAGE = `Inspect and redrive the uploads dead-letter queue.

  npm run dlq -- stats                      count and oldest age
  npm run dlq -- peek [--limit N]           a sample (up to ${MAX_PEEK}), without consuming anything
  npm run dlq -- redrive --all              move every message back to the uploads queue
  npm run dlq -- redrive --id ID [--id ID]  move only these messages
  add --json for machine-readable output

Config comes from the environment like the worker's (DATABASE_URL, AWS_*, UPLOADS_QUEUE_URL,
UPLOADS_DLQ_URL). Outside NODE_ENV=production the local stack's defaults fill the gaps, and
queue URLs left unset are looked up by name (uploads, uploads-dlq). Every action is recorded
in the audit table as cli:$USER; a redrive refuses to run when that record cannot be written.`;

export interface CliIo {
  env: NodeJS.ProcessEnv;
  out: (line: string) => void;
  err: (line: string) => void;
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

function actor(env: NodeJS.ProcessEnv): string {
  let login = env.USER ?? env.LOGNAME;
  try {
    login ??= userInfo().username;
  } catch {
    // A container user without a passwd entry.
  }
  return `cli:${login ?? 'unknown'}`;
}

/** The local stack's defaults, except in production, where nothing may point at an emulator. */
export function cliEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return env.NODE_ENV === 'production' ? { ...env } : { ...env, ...localEnv(env) };
}

/** The worker's own config loader; queue URLs left unset are looked up by name. */
async function loadConfig(io: CliIo): Promise<WorkerConfig> {
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

function progressPrinter(io: CliIo): (progress: RedriveProgress) => void {
  let last = 0;
  return ({ moved, failed, total }) => {
    const now = Date.now();
    if (now - last < (io.progressEveryMs ?? 1_000)) return;
    last = now;
    io.err(`moved ${moved}/${total}${failed ? ` (${failed} failed)` : ''}…`);
  };
}

async function run(parsed: Parsed, io: CliIo): Promise<number> {
  const config = await loadConfig(io);
  const sqs = createSqsClient(config.aws);
  const prisma = new PrismaService(config);
  try {
    const dlq = createDlqRepository(new QueueRepository(sqs), config);
    const audit = new AuditRepository(prisma);
    const who = actor(io.env);
    const record = async (action: string, count: number, detail: Record<string, unknown>, required: boolean) => {
      try {
        await audit.record({ actor: who, action, target: dlq.queueName, count, detail: { ...detail, via: 'cli' } });
      } catch (error) {
        if (required) throw error;
        io.err(`warning: could not write the audit record (${String(error)})`);
      }
    };

    if (parsed.command === 'redrive') {
      // Refuse before moving anything if the audit trail cannot be written.
      try {
        await audit.recent(1);
      } catch (error) {
        io.err(`the audit table is unreachable (${String(error)}); refusing to redrive unaudited`);
        return 1;
      }
      const selection = parsed.selection!;
      const result = await dlq.redrive(selection, progressPrinter(io));
      const { depth: remaining } = await dlq.stats();
      await record(
        'dlq.redrive',
        result.moved,
        {
          mode: 'all' in selection ? 'all' : 'ids',
          ...('messageIds' in selection ? { requested: selection.messageIds, missing: result.missing } : {}),
          failed: result.failed.length,
          remaining,
        },
        true,
      );
      if (parsed.json) io.out(JSON.stringify({ ...result, remaining }));
      else {
        io.out(`moved ${result.moved}; ${remaining} left in ${dlq.queueName}`);
        if (result.missing.length) io.out(`not in the DLQ (not moved): ${result.missing.join(', ')}`);
        for (const f of result.failed) io.out(`left in the DLQ: ${f.messageId}: ${f.reason}`);
      }
      return result.failed.length ? 1 : 0;
    }

    const peek = await dlq.peek(parsed.command === 'stats' ? 10 : parsed.limit);
    await record(
      parsed.command === 'stats' ? 'dlq.stats' : 'dlq.inspect',
      parsed.command === 'stats' ? peek.stats.depth : peek.messages.length,
      { depth: peek.stats.depth },
      false,
    );
    const summary = {
      queue: dlq.queueName,
      count: peek.stats.depth,
      visible: peek.stats.visible,
      inFlight: peek.stats.inFlight,
      delayed: peek.stats.delayed,
      oldestAgeSeconds: peek.oldestAgeSeconds,
    };
    if (parsed.json) {
      io.out(JSON.stringify(parsed.command === 'stats' ? summary : { ...summary, sample: peek.messages }));
      return 0;
    }
    io.out(
      `${summary.queue}: ${summary.count} message${summary.count === 1 ? '' : 's'} ` +
        `(${summary.visible} visible, ${summary.inFlight} in flight), oldest ${age(summary.oldestAgeSeconds)}`,
    );
    if (parsed.command === 'peek') peek.messages.forEach((m) => io.out(formatDeadLetter(m)));
    return 0;
  } finally {
    sqs.destroy();
    await prisma.$disconnect();
  }
}

/** `npm run dlq -- …`; returns the exit code. */
export async function runDlqCli(argv: string[], io: CliIo): Promise<number> {
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

if (require.main === module) {
  // The SDK reads credentials from the process environment; locally these are the emulator's.
  const env = cliEnv(process.env);
  for (const name of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY']) {
    if (env[name] !== undefined) process.env[name] ??= env[name];
  }
  void runDlqCli(process.argv.slice(2), {
    env: process.env,
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
  }).then((code) => process.exit(code));
}
