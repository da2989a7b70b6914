import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  API_ENV_KEYS,
  ERASURE_CLI_ENV_KEYS,
  FORWARDER_ENV_KEYS,
  WORKER_ENV_KEYS,
} from '../../libs/config/src/env.schema';

const root = join(__dirname, '..', '..');
const read = (path: string) => readFileSync(join(root, path), 'utf8');

describe('README', () => {
  it('lists every environment variable the config schema reads in its configuration table', () => {
    const variables = [...API_ENV_KEYS, ...WORKER_ENV_KEYS, ...FORWARDER_ENV_KEYS, ...ERASURE_CLI_ENV_KEYS];
    expect(variables.length).toBeGreaterThan(20);
    const table = read('README.md');
    const missing = [...new Set(variables)].filter((name) => !table.includes(`| \`${name}\` |`));
    expect(missing).toEqual([]);
  });

  it('names the commands package.json really has', () => {
    const scripts = Object.keys((JSON.parse(read('package.json')) as { scripts: Record<string, string> }).scripts);
    const readme = read('README.md');
    const mentioned = [...readme.matchAll(/npm run ([a-z:]+)/g)].map((m) => m[1]!);
    expect(mentioned.filter((name) => !scripts.includes(name))).toEqual([]);
  });

  it('shows the Uppy adapter exactly as examples/uppy/uppy-adapter.ts, which the browser test runs', () => {
    const readme = read('README.md');
    const block = /<!-- uppy-adapter: examples\/uppy\/uppy-adapter\.ts -->\n\n```ts\n([\s\S]*?)```\n/.exec(readme);
    expect(block?.[1]).toBe(read('examples/uppy/uppy-adapter.ts'));
  });
});
