import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HEALTHCHECK_SCRIPT } from '../../infra/lib/platform-service.construct';
import { effective, execForm, lineage, parseDockerfile, stage } from './dockerfile';

const ROOT = join(__dirname, '..', '..');
const dockerfile = parseDockerfile(join(ROOT, 'docker', 'Dockerfile'));
const nestProjects = (
  JSON.parse(readFileSync(join(ROOT, 'nest-cli.json'), 'utf8')) as {
    projects: Record<string, { sourceRoot: string; entryFile: string }>;
  }
).projects;
const startStack = readFileSync(join(ROOT, 'tools', 'local-stack', 'start-stack.ts'), 'utf8');

const runs = (name: string) =>
  lineage(dockerfile, name)
    .flatMap((current) => current.instructions)
    .filter((instruction) => instruction.op === 'RUN')
    .map((instruction) => instruction.args);

/** Where `tsc -p tsconfig.build.json` puts a Nest project's entry file. */
const compiledEntry = (project: string) =>
  `dist/${nestProjects[project]!.sourceRoot}/${nestProjects[project]!.entryFile}.js`;

describe('docker/Dockerfile', () => {
  it('builds on a pinned Node 24 image', () => {
    expect(dockerfile.args.NODE_IMAGE).toMatch(/^node:24\.\d+\.\d+-bookworm-slim$/);
    expect(dockerfile.stages[0]!.from).toBe('${NODE_IMAGE}');
  });

  it('installs from the lockfile, generates the Prisma client, and builds the apps and the Lambda bundle', () => {
    const build = runs('build').join(' && ');
    expect(build).toMatch(/npm ci --ignore-scripts\b/);
    const order = ['npx prisma generate', 'npm run build ', 'npm run build:lambda'].map((step) => build.indexOf(step));
    expect(order.every((index) => index >= 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
  });

  it('gives the final images production dependencies only', () => {
    expect(runs('prod-deps').join(' ')).toMatch(/npm ci --omit=dev\b/);
    const nodeModules = dockerfile.stages
      .flatMap((current) => current.instructions)
      .filter((instruction) => instruction.op === 'COPY' && instruction.args.includes('node_modules'));
    expect(nodeModules.map((instruction) => instruction.args)).toEqual([
      '--from=app-deps /app/node_modules ./node_modules',
      '--from=prod-deps /app/node_modules ./node_modules',
    ]);
    expect(lineage(dockerfile, 'app-deps').map((current) => current.name)).toContain('prod-deps');
    expect(runs('app-deps').join(' ')).toMatch(/node \/tmp\/prune-peer-tools\.mjs package-lock\.json \./);
    for (const name of ['api', 'worker', 'local-tools'])
      expect(lineage(dockerfile, name).map((current) => current.name)).toContain('app');
    expect(lineage(dockerfile, 'migrate').map((current) => current.name)).not.toContain('app');
  });

  it('leaves out of the api and worker images the Prisma CLI and TypeScript, which they never run', () => {
    const root = mkdtempSync(join(tmpdir(), 'prune-'));
    const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as {
      packages: Record<string, { dev?: boolean }>;
    };
    const production = Object.keys(lock.packages).filter((path) => path && !lock.packages[path]!.dev);
    for (const path of production) mkdirSync(join(root, path), { recursive: true });
    mkdirSync(join(root, 'node_modules', '.bin'));
    writeFileSync(join(root, 'node_modules', '.bin', 'prisma'), '');
    const run = spawnSync(
      process.execPath,
      [join(ROOT, 'docker', 'build', 'prune-peer-tools.mjs'), join(ROOT, 'package-lock.json'), root],
      {
        encoding: 'utf8',
      },
    );
    expect(run.status).toBe(0);
    const left = (path: string) => existsSync(join(root, 'node_modules', path));
    for (const tool of ['prisma', 'typescript', '@prisma/engines', 'effect', '.bin/prisma'])
      expect({ tool, left: left(tool) }).toEqual({ tool, left: false });
    const runtime = Object.keys(
      (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { dependencies: Record<string, string> })
        .dependencies,
    );
    for (const name of [...runtime, '@prisma/client', 'sharp', 'pg'])
      expect({ name, left: left(name) }).toEqual({ name, left: true });
    rmSync(root, { recursive: true, force: true });
  });

  it('uses exec form for every CMD, ENTRYPOINT and HEALTHCHECK, so SIGTERM reaches node directly', () => {
    const forms = dockerfile.stages
      .flatMap((current) => current.instructions)
      .filter((instruction) => ['CMD', 'ENTRYPOINT', 'HEALTHCHECK'].includes(instruction.op))
      .map((instruction) => instruction.args.replace(/^(--\S+\s+)*CMD\s+/, ''));
    expect(forms.filter((args) => execForm(args) === undefined)).toEqual([]);
  });

  it('downloads nothing without a pinned checksum (the RDS CA bundle)', () => {
    const adds = dockerfile.stages
      .flatMap((current) => current.instructions)
      .filter((instruction) => instruction.op === 'ADD' && /https?:\/\//.test(instruction.args));
    expect(adds.length).toBeGreaterThan(0);
    for (const add of adds) expect(add.args).toMatch(/--checksum=sha256:\$\{RDS_CA_BUNDLE_SHA256\}/);
    expect(stage(dockerfile, 'runtime').instructions).toContainEqual({
      op: 'ARG',
      args: expect.stringMatching(/^RDS_CA_BUNDLE_SHA256=[0-9a-f]{64}$/),
    });
  });

  it('makes the API image by default', () => {
    expect(dockerfile.stages.at(-1)!.name).toBe('api');
  });

  describe.each(['api', 'worker'])('the %s image', (name) => {
    it('runs the entry point `npm start` runs, compiled where the build puts it', () => {
      const entry = compiledEntry(name);
      expect(startStack).toContain(`entry: '${entry}'`);
      const cmd = execForm(effective(dockerfile, name, 'CMD'))!;
      expect(cmd[0]).toBe('node');
      expect(cmd.at(-1)).toBe(entry);
      expect(execForm(effective(dockerfile, name, 'ENTRYPOINT'))).toEqual(['/usr/bin/tini', '--']);
    });

    it('runs as a non-root user', () => {
      expect(effective(dockerfile, name, 'USER')).toMatch(/^(?!root$|0$)\S+$/);
    });

    it('health-checks with the same script and target as the ECS task definition', () => {
      const healthcheck = effective(dockerfile, name, 'HEALTHCHECK')!;
      expect(execForm(healthcheck.replace(/^(--\S+\s+)*CMD\s+/, ''))).toEqual(['node', HEALTHCHECK_SCRIPT, name]);
    });
  });

  it('runs migrations with the Prisma CLI behind the same DATABASE_SECRET preload as the apps', () => {
    const cmd = execForm(effective(dockerfile, 'migrate', 'CMD'))!;
    expect(cmd.slice(-3)).toEqual(['node_modules/prisma/build/index.js', 'migrate', 'deploy']);
    for (const target of ['api', 'worker', 'migrate']) {
      const preload = execForm(effective(dockerfile, target, 'CMD'))!;
      expect(preload[preload.indexOf('--require') + 1]).toBe('./dist/docker/runtime/database-url.preload.js');
    }
    expect(existsSync(join(ROOT, 'docker', 'runtime', 'database-url.preload.ts'))).toBe(true);
  });

  it('copies from the build context only files that exist and that .dockerignore lets in', () => {
    const allowed = readFileSync(join(ROOT, '.dockerignore'), 'utf8')
      .split('\n')
      .filter((line) => line.startsWith('!'))
      .map((line) => line.slice(1).replace(/\/$/, ''));
    const sources = ['build', 'prod-deps', 'emulator']
      .flatMap((name) => stage(dockerfile, name).instructions)
      .filter((instruction) => instruction.op === 'COPY' && !instruction.args.startsWith('--from'))
      .flatMap((instruction) => instruction.args.split(' ').slice(0, -1));
    expect(sources.length).toBeGreaterThan(5);
    for (const source of sources) {
      expect({ source, exists: existsSync(join(ROOT, source)) }).toEqual({ source, exists: true });
      expect({ source, allowed: allowed.some((entry) => source === entry || source.startsWith(`${entry}/`)) }).toEqual({
        source,
        allowed: true,
      });
    }
  });
});
