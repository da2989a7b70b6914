import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const root = join(__dirname, '..', '..');
const read = (path: string) => readFileSync(join(root, path), 'utf8');

describe('README', () => {
  it('lists every environment variable the config schema reads in its configuration table', () => {
    const schema = read('libs/config/src/env.schema.ts');
    const variables = [...schema.matchAll(/^\s+([A-Z][A-Z0-9_]+):/gm)].map((m) => m[1]!);
    expect(variables.length).toBeGreaterThan(20);
    const table = read('README.md');
    const missing = [...new Set(variables)].filter((name) => !table.includes(`| \`${name}\` |`));
    expect(missing).toEqual([]);
  });
});
