// `node healthcheck.js api|worker`: the container health check of the Dockerfile and of the ECS
// task definitions. The images carry no curl; Node's fetch does the job.
import { apiEnv, workerEnv } from '../../libs/config/src/env.schema';

export type HealthTarget = 'api' | 'worker';

// The apps read an empty variable as unset; so does the health check.
const set = (value: string | undefined) => (value === '' ? undefined : value);

/** The port the app itself listens on, read with the app's own schema and defaults. */
export function healthPort(target: HealthTarget, env: NodeJS.ProcessEnv): number {
  return target === 'api'
    ? apiEnv.shape.PORT.parse(set(env.PORT))
    : workerEnv.shape.WORKER_METRICS_PORT.parse(set(env.WORKER_METRICS_PORT));
}

export async function isHealthy(target: HealthTarget, env: NodeJS.ProcessEnv, timeoutMs = 3_000): Promise<boolean> {
  try {
    const response = await fetch(`http://127.0.0.1:${healthPort(target, env)}/healthz`, {
      signal: AbortSignal.timeout(timeoutMs),
    });
    await response.arrayBuffer();
    return response.ok;
  } catch {
    return false;
  }
}

if (require.main === module) {
  const target = process.argv[2];
  if (target !== 'api' && target !== 'worker') {
    console.error('usage: healthcheck.js api|worker');
    process.exit(2);
  }
  void isHealthy(target, process.env).then((healthy) => process.exit(healthy ? 0 : 1));
}
