import { userInfo } from 'node:os';

/** What a command writes to and reads its environment from; tests pass their own. */
export interface CliIo {
  env: NodeJS.ProcessEnv;
  out: (line: string) => void;
  err: (line: string) => void;
}

/** How the audit trail names whoever runs the CLI: `cli:<login>`. */
export function cliActor(env: NodeJS.ProcessEnv): string {
  let login = env.USER ?? env.LOGNAME;
  try {
    login ??= userInfo().username;
  } catch {
    // A container user without a passwd entry.
  }
  return `cli:${login ?? 'unknown'}`;
}
