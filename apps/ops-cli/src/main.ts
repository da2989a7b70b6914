import 'reflect-metadata';
import { cliEnv, runDlqCli } from './dlq/dlq.command';
import { runErasureCli } from './erasure/erasure.command';

const USAGE = `Operator commands (npm run dlq -- …, npm run erasure -- …):

  ops-cli dlq stats|peek|redrive …           the uploads dead-letter queue (dlq --help)
  ops-cli erasure request|status|resume …    right-to-erasure requests (erasure --help)`;

const io = {
  env: process.env,
  out: (line: string) => process.stdout.write(`${line}\n`),
  err: (line: string) => process.stderr.write(`${line}\n`),
};

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'dlq': {
      // The SDK reads credentials from the process environment; locally these are the emulator's.
      const env = cliEnv(process.env);
      for (const name of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY']) {
        if (env[name] !== undefined) process.env[name] ??= env[name];
      }
      return runDlqCli(rest, io);
    }
    case 'erasure':
      return runErasureCli(rest, io);
    default:
      io.err(USAGE);
      return 2;
  }
}

void main(process.argv.slice(2)).then((code) => process.exit(code));
