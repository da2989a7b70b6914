import { parseArgs } from 'node:util';
import { ConfigError, loadErasureCliConfig } from '@lib/config';
import { ErasureStatus, USER_ID_PATTERN } from '@lib/contracts';
import { toErasureStatus } from '@lib/database';
import { ErasureRequests } from '@lib/operations';
import { OpsCliModule, withOpsContext } from '../ops-cli.module';
import { cliActor, CliIo } from '../operator';

const USAGE = `Right-to-erasure requests (the worker does the deleting).

  npm run erasure -- request <userId>   open a request (or show the user's open one) and follow it
  npm run erasure -- status <id>        show a request; add --follow to watch it until it ends
  npm run erasure -- resume <id>        retry a FAILED request from its checkpoint, and follow it
  add --detach to return at once instead of following, --json for machine-readable output

Reads DATABASE_URL and ERASURE_AUDIT_SALT (the same salt as the API and worker). Every action
is recorded in the audit table as cli:$USER. Exit code: 0 completed (or detached), 1 failed.`;

export interface ErasureCliIo extends CliIo {
  pollMs?: number;
}

class UsageError extends Error {}

function line(s: ErasureStatus, rate?: number): string {
  const speed = rate === undefined ? '' : `, ${Math.round(rate)} objects/s`;
  const failure = s.state === 'FAILED' ? ` — ${s.failedKeys} keys failed: ${s.failureReason ?? ''}` : '';
  return `erasure ${s.id}: ${s.state} (${s.phase}) objects deleted ${s.objectsDeleted}, rows deleted ${s.rowsDeleted}${speed}${failure}`;
}

/** Runs one CLI command; returns the process exit code. */
export async function runErasureCli(argv: string[], io: ErasureCliIo): Promise<number> {
  try {
    const { positionals, values } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        follow: { type: 'boolean', default: false },
        detach: { type: 'boolean', default: false },
        json: { type: 'boolean', default: false },
        help: { type: 'boolean', default: false },
      },
    });
    const [command, arg] = positionals;
    if (values.help || !command) {
      io.out(USAGE);
      return values.help ? 0 : 2;
    }
    if (!arg) throw new UsageError(`${command} needs an argument`);
    const config = loadErasureCliConfig(io.env);
    return await withOpsContext(OpsCliModule.forErasure(config), async (app) => {
      const erasures = app.get(ErasureRequests);
      const actor = cliActor(io.env);
      const show = (s: ErasureStatus, rate?: number) => io.out(values.json ? JSON.stringify(s) : line(s, rate));

      let id: string;
      let follow: boolean;
      switch (command) {
        case 'request': {
          if (!USER_ID_PATTERN.test(arg)) throw new UsageError('not a valid user id');
          const { record, created } = await erasures.request(arg, actor);
          if (!values.json) io.out(created ? 'erasure requested' : 'an erasure of this user is already open');
          show(toErasureStatus(record));
          id = record.id;
          follow = !values.detach;
          break;
        }
        case 'status':
          id = arg;
          follow = values.follow;
          break;
        case 'resume':
          if (!(await erasures.resume(arg, actor))) {
            const existing = await erasures.find(arg);
            io.err(existing ? `erasure ${arg} is ${existing.state}, not FAILED` : `erasure ${arg} not found`);
            return 1;
          }
          id = arg;
          follow = !values.detach;
          break;
        default:
          throw new UsageError(`unknown command ${command}`);
      }
      return await followStatus(erasures, id, follow, show, io.pollMs ?? 1_000, io);
    });
  } catch (error) {
    if (error instanceof UsageError) {
      io.err(`${error.message}\n\n${USAGE}`);
      return 2;
    }
    io.err(error instanceof ConfigError ? error.message : `erasure: ${String(error)}`);
    return 1;
  }
}

async function followStatus(
  erasures: ErasureRequests,
  id: string,
  follow: boolean,
  show: (s: ErasureStatus, rate?: number) => void,
  pollMs: number,
  io: ErasureCliIo,
): Promise<number> {
  let last: ErasureStatus | undefined;
  let lastAt = Date.now();
  for (;;) {
    const record = await erasures.find(id);
    if (!record) {
      io.err(`erasure ${id} not found`);
      return 1;
    }
    const status = toErasureStatus(record);
    const now = Date.now();
    const changed = !last || JSON.stringify(last) !== JSON.stringify(status);
    if (changed) {
      const rate = last
        ? ((status.objectsDeleted - last.objectsDeleted) * 1000) / Math.max(1, now - lastAt)
        : undefined;
      show(status, rate);
      last = status;
      lastAt = now;
    }
    if (status.state === 'FAILED') return 1;
    if (status.state === 'COMPLETED' || !follow) return 0;
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}
