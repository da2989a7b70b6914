import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { loadApiConfig, loadForwarderConfig, loadWorkerConfig } from '../../libs/config/src/app-config';
import { AURORA_POSTGRES_VERSION } from '../../infra/lib/database.construct';
import { localEnv } from '../../tools/local-stack/local-env';
import { QUEUE_URL_VARIABLES } from '../local-stack/bootstrap.main';
import { localStackEnv } from '../../tools/local-stack/emulator';
import { parseDockerfile, stage } from './dockerfile';

interface Service {
  image?: string;
  build?: { context: string; dockerfile: string; target: string };
  environment?: Record<string, string>;
  command?: string[];
  network_mode?: string;
  ports?: string[];
  depends_on?: Record<string, { condition: string }>;
}

const ROOT = join(__dirname, '..', '..');
const compose = parse(readFileSync(join(ROOT, 'docker', 'compose.yaml'), 'utf8'), { merge: true }) as {
  services: Record<string, Service>;
};
const { services } = compose;
const dockerfile = parseDockerfile(join(ROOT, 'docker', 'Dockerfile'));
const env = (name: string) => services[name]!.environment ?? {};
// What `npm start` gives every process (tools/local-stack/start-stack.ts), with its defaults.
const npmStartEnv = localEnv({});
const APPS = ['api', 'worker', 'forwarder'] as const;

describe('docker/compose.yaml', () => {
  it.each(APPS)(
    'gives the %s every variable `npm start` sets, with the same values where the network allows',
    (name) => {
      // Inside containers the API must listen on all interfaces, and PostgreSQL is another host.
      const differs = new Set(['HOST', 'DATABASE_URL']);
      for (const [key, value] of Object.entries(npmStartEnv)) {
        expect({ key, value: env(name)[key] }).toEqual({ key, value: differs.has(key) ? expect.any(String) : value });
      }
      expect(env(name).HOST).toBe('0.0.0.0');
      expect(new URL(env(name).DATABASE_URL!).hostname).toBe('postgres');
    },
  );

  it('configures the API, the worker and the forwarder so that their own config loaders accept it', () => {
    expect(loadApiConfig(env('api'))).toMatchObject({ host: '0.0.0.0', port: 3000 });
    expect(loadWorkerConfig(env('worker')).queue.uploadsQueueUrl).toBe(env('worker').UPLOADS_QUEUE_URL);
    expect(loadForwarderConfig(env('forwarder')).uploadsQueueUrl).toBe(env('forwarder').UPLOADS_QUEUE_URL);
    for (const key of ['S3_EVENTS_QUEUE_URL', 'UPLOADS_DLQ_URL', 'AWS_ENDPOINT_URL']) {
      expect(env('forwarder')[key]).toEqual(expect.stringMatching(/^http:\/\//));
    }
  });

  it('points every queue URL at the emulator, under the names bootstrap creates', () => {
    for (const name of [...APPS, 'bootstrap']) {
      for (const variable of Object.keys(QUEUE_URL_VARIABLES)) {
        expect(env(name)[variable]).toMatch(
          new RegExp(`^${env(name).AWS_ENDPOINT_URL}/queue/${env(name).AWS_REGION}/\\d{12}/[a-z0-9-]+$`),
        );
      }
    }
    expect(Object.keys(QUEUE_URL_VARIABLES).map((variable) => env('api')[variable]!.split('/').at(-1))).toEqual([
      'uploads',
      'uploads-dlq',
      's3-events',
    ]);
  });

  it('shares the emulator network namespace, whose service publishes the app ports', () => {
    for (const name of [...APPS, 'bootstrap']) {
      expect(services[name]!.network_mode).toBe('service:emulator');
      expect(services[name]!.ports).toBeUndefined();
    }
    const published = services.emulator!.ports!.map((port) => port.split(':').at(-1));
    expect(published).toEqual(
      expect.arrayContaining([
        new URL(env('api').AWS_ENDPOINT_URL!).port,
        env('api').PORT,
        String(loadWorkerConfig(env('worker')).metrics.port),
        String(loadApiConfig(env('api')).metrics.port),
      ]),
    );
  });

  it('pins its images: the LocalStack lock of the local setup and the PostgreSQL major version of Aurora', () => {
    expect(services.emulator!.build).toMatchObject({ dockerfile: 'docker/Dockerfile', target: 'emulator' });
    const emulator = stage(dockerfile, 'emulator');
    expect(dockerfile.args.PYTHON_IMAGE).toMatch(/^python:3\.(1[3-9])\.\d+-slim-bookworm$/);
    expect(emulator.from).toBe('${PYTHON_IMAGE}');
    const steps = emulator.instructions.map((instruction) => `${instruction.op} ${instruction.args}`).join('\n');
    expect(steps).toContain('COPY tools/emulator/requirements.lock /opt/localstack/requirements.lock');
    expect(steps).toMatch(/pip install .*--require-hashes -r \/opt\/localstack\/requirements\.lock/);
    expect(services.postgres!.image).toMatch(
      new RegExp(`^postgres:${AURORA_POSTGRES_VERSION.auroraPostgresMajorVersion}\\.\\d+-alpine$`),
    );
  });

  it('runs the emulator with the settings `npm start` gives it, signature validation on, listening for the host', () => {
    const endpoint = new URL(env('api').AWS_ENDPOINT_URL!);
    const local = localStackEnv(endpoint.hostname, Number(endpoint.port), '/unused');
    // Host mode only: a directory of its own per instance (a container has its own filesystem).
    const hostOnly = new Set(['FILESYSTEM_ROOT', 'OVERRIDE_IN_DOCKER', 'GATEWAY_LISTEN']);
    const expected = Object.fromEntries(Object.entries(local).filter(([key]) => !hostOnly.has(key)));
    expect(env('emulator')).toEqual({ ...expected, GATEWAY_LISTEN: `0.0.0.0:${endpoint.port}` });
    expect(env('emulator').S3_SKIP_SIGNATURE_VALIDATION).toBe('0');
  });

  it('builds from docker/Dockerfile targets that exist, and starts the apps after bootstrap and migrations', () => {
    const targets = dockerfile.stages.map((candidate) => candidate.name);
    const built = Object.entries(services).filter(([, service]) => service.build);
    for (const [, service] of built) {
      expect(service.build).toMatchObject({ context: '..', dockerfile: 'docker/Dockerfile' });
      expect(targets).toContain(service.build!.target);
    }
    for (const name of APPS) {
      expect(services[name]!.depends_on).toEqual({
        bootstrap: { condition: 'service_completed_successfully' },
        migrate: { condition: 'service_completed_successfully' },
      });
    }
  });

  it('runs the Lambda stand-in and the bootstrap from their compiled entry points', () => {
    const forwarder = services.forwarder!.command!;
    expect(forwarder.at(-1)).toBe('dist/tools/local-stack/lambda-runner.main.js');
    expect(readFileSync(join(ROOT, 'tools', 'local-stack', 'start-stack.ts'), 'utf8')).toContain(
      `entry: '${forwarder.at(-1)}'`,
    );
    expect(services.bootstrap!.command).toEqual(['node', 'dist/docker/local-stack/bootstrap.main.js']);
  });
});
