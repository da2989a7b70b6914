// `npm test`: lint, formatting, types, then every jest suite (unit, integration against
// the emulator and Postgres, end to end), ending with a one-line summary.
import './use-node24.mjs';
import { spawnSync } from 'node:child_process';
import { readFileSync, mkdirSync } from 'node:fs';

const steps = [
  ['lint (eslint)', 'npx', ['eslint', '.']],
  ['format (prettier)', 'npx', ['prettier', '--check', '.']],
  ['types (tsc)', 'npx', ['tsc', '--noEmit', '-p', 'tsconfig.json']],
  ['types (web client)', 'npm', ['run', '--silent', 'web:typecheck']],
  // The SIGTERM test runs the built worker as its own process; the forwarder tests load the bundle.
  ['build (tsc)', 'npm', ['run', '--silent', 'build']],
  ['build lambda bundle', 'npm', ['run', '--silent', 'build:lambda']],
  ['build web client', 'npm', ['run', '--silent', 'build:web']],
];
const pkg = JSON.parse(readFileSync('package.json', 'utf8'));
if (pkg.scripts['infra:typecheck'])
  steps.splice(3, 0, ['types (infra)', 'npm', ['run', '--silent', 'infra:typecheck']]);

for (const [name, command, args] of steps) {
  const started = Date.now();
  process.stdout.write(`▶ ${name}\n`);
  const result = spawnSync(command, args, { stdio: 'inherit' });
  if (result.status !== 0) {
    console.error(`✖ ${name} failed`);
    console.log('0 passed, 1 failed');
    process.exit(1);
  }
  process.stdout.write(`✔ ${name} (${((Date.now() - started) / 1000).toFixed(1)} s)\n`);
}

mkdirSync('test-artifacts', { recursive: true });
const jest = spawnSync(
  'npx',
  ['jest', '--ci', '--json', '--outputFile=test-artifacts/jest-results.json', ...process.argv.slice(2)],
  // A hung test must fail the run, not stall CI until its own limit.
  { stdio: 'inherit', timeout: 20 * 60 * 1000, killSignal: 'SIGKILL' },
);
if (jest.error) console.error(`✖ jest did not finish: ${jest.error.message}`);
let summary = { numPassedTests: 0, numFailedTests: 1, numPendingTests: 0 };
try {
  summary = JSON.parse(readFileSync('test-artifacts/jest-results.json', 'utf8'));
} catch {
  // jest crashed before writing results; the failure count above stands.
}
const skipped = summary.numPendingTests ? `, ${summary.numPendingTests} skipped` : '';
console.log(`${summary.numPassedTests} passed, ${summary.numFailedTests} failed${skipped}`);
process.exit(jest.status === 0 && summary.numFailedTests === 0 ? 0 : 1);
