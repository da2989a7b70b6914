import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';

const ROOT = join(__dirname, '..', '..');
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');
const major = (version: string) => Number(version.replace(/^v/, '').split('.')[0]);

describe('the Node runtime', () => {
  it('runs the tests on Node 24, the major package.json requires and setup installs', () => {
    expect(major(process.versions.node)).toBe(24);
    expect(JSON.parse(read('package.json')).engines.node).toBe('>=24');
    expect(read('scripts/node-runtime.mjs')).toMatch(/REQUIRED_MAJOR = 24;[\s\S]*version: '24\.\d+\.\d+'/);
  });

  it('targets Node 24 in the Lambda bundle, the infra app and the Docker images', () => {
    expect(read('scripts/build-lambda.mjs')).toContain("target: 'node24'");
    expect(JSON.parse(read('package.json')).scripts['infra:app']).toContain('--target=node24');
    expect(read('docker/Dockerfile')).toMatch(/^ARG NODE_IMAGE=node:24\.\d+\.\d+-bookworm-slim$/m);
    expect(read('docker/Dockerfile')).not.toMatch(/--target=node(?!24)\d+/);
  });

  describe("npm's script shell (.npmrc)", () => {
    const shell = (withLocalNode: boolean) => {
      const root = mkdtempSync(join(tmpdir(), 'script-shell-'));
      mkdirSync(join(root, 'scripts'));
      copyFileSync(join(ROOT, 'scripts', 'npm-script-shell.sh'), join(root, 'scripts', 'npm-script-shell.sh'));
      if (withLocalNode) {
        mkdirSync(join(root, '.tools', 'node', 'bin'), { recursive: true });
        writeFileSync(join(root, '.tools', 'node', 'bin', 'node'), '#!/bin/sh\n');
        chmodSync(join(root, '.tools', 'node', 'bin', 'node'), 0o755);
      }
      return spawnSync(join(root, 'scripts', 'npm-script-shell.sh'), ['-c', 'echo "$PATH"; command -v node'], {
        encoding: 'utf8',
        env: { PATH: `${dirname(process.execPath)}${delimiter}/usr/bin${delimiter}/bin` },
      }).stdout;
    };

    it('is the project setting, so every npm script goes through it', () => {
      expect(read('.npmrc')).toMatch(/^script-shell=\.\/scripts\/npm-script-shell\.sh$/m);
    });

    it("puts .tools/node/bin first on PATH, so `node` in a script is setup's Node 24", () => {
      const [path, node] = shell(true).trim().split('\n');
      expect(node).toMatch(/\/\.tools\/node\/bin\/node$/);
      expect(path!.split(delimiter)[0]).toBe(dirname(node!));
    });

    it('leaves PATH alone where setup installed no local Node', () => {
      const [path] = shell(false).trim().split('\n');
      expect(path).toBe(`${dirname(process.execPath)}${delimiter}/usr/bin${delimiter}/bin`);
    });
  });

  // The machine's own Node, when it is older (these machines ship 20): an entry point started
  // with it must run its body under .tools/node instead.
  const older = (process.env.PATH ?? '')
    .split(delimiter)
    .map((dir) => join(dir, 'node'))
    .find(
      (candidate) =>
        existsSync(candidate) &&
        major(spawnSync(candidate, ['--version'], { encoding: 'utf8' }).stdout?.trim() ?? '24') < 24,
    );
  (older ? it : it.skip)(`re-runs a scripts/*.mjs entry point started by an older Node (${older}) on Node 24`, () => {
    const dir = mkdtempSync(join(ROOT, 'scripts', '.reexec-'));
    const script = join(dir, 'probe.mjs');
    writeFileSync(
      script,
      "import '../use-node24.mjs';\nconsole.log(process.version, process.env.PATH.split(':')[0]);\n",
    );
    try {
      const run = spawnSync(older!, [script], { encoding: 'utf8', cwd: ROOT });
      const [version, firstOnPath] = run.stdout.trim().split(' ');
      expect(major(version!)).toBe(24);
      expect(firstOnPath).toBe(dirname(process.execPath));
    } finally {
      spawnSync('rm', ['-rf', dir]);
    }
  });
});
