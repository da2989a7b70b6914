// `npm start`: builds (incrementally) and runs the local stack in the foreground.
import './use-node24.mjs';
import { spawnSync, spawn } from 'node:child_process';

function run(command, args) {
  const result = spawnSync(command, args, { stdio: 'inherit' });
  if (result.status !== 0) {
    console.error(`[stack] \`${command} ${args.join(' ')}\` failed; did you run \`npm run setup\`?`);
    process.exit(result.status ?? 1);
  }
}

console.log('[stack] building (tsc + esbuild)…');
run('npm', ['run', '--silent', 'build']);
run('npm', ['run', '--silent', 'build:lambda']);
run('npm', ['run', '--silent', 'build:web']);
run('npx', ['prisma', 'migrate', 'deploy']);

const stack = spawn(process.execPath, ['--enable-source-maps', 'dist/tools/local-stack/start-stack.js'], {
  stdio: 'inherit',
});
// The stack handles Ctrl-C itself (the terminal sends SIGINT to the whole group); we only
// wait for it so npm reports its exit code.
process.on('SIGINT', () => undefined);
process.on('SIGTERM', () => stack.kill('SIGTERM'));
stack.on('exit', (code) => process.exit(code ?? 0));
