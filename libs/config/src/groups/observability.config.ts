import { z } from 'zod';
import { ConfigOf, envInt } from '../env-values';

export const logLevelEnv = z.object({
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

/** The API's request log lines. */
export const requestLoggingEnv = z.object({
  // Request lines of successful, fast requests are sampled; errors and slow requests always log.
  LOG_SUCCESS_SAMPLE_RATE: z.coerce.number().min(0).max(1).default(1),
  LOG_SLOW_REQUEST_MS: envInt(0, 600_000).default(1000),
});

// Prometheus metrics on their own listener, never the public one (0 = a free port).
export const apiMetricsEnv = z.object({
  API_METRICS_PORT: envInt(0, 65535).default(9465),
  API_METRICS_HOST: z.string().min(1).default('127.0.0.1'),
});

export const workerMetricsEnv = z.object({
  WORKER_METRICS_PORT: envInt(0, 65535).default(9464),
  WORKER_METRICS_HOST: z.string().min(1).default('127.0.0.1'),
});

export function toLogLevel(env: z.output<typeof logLevelEnv>): string {
  return env.LOG_LEVEL;
}

export function toRequestLoggingConfig(env: z.output<typeof requestLoggingEnv>) {
  return { successSampleRate: env.LOG_SUCCESS_SAMPLE_RATE, slowRequestMs: env.LOG_SLOW_REQUEST_MS };
}

export function toApiMetricsConfig(env: z.output<typeof apiMetricsEnv>) {
  return { host: env.API_METRICS_HOST, port: env.API_METRICS_PORT };
}

export function toWorkerMetricsConfig(env: z.output<typeof workerMetricsEnv>) {
  return { host: env.WORKER_METRICS_HOST, port: env.WORKER_METRICS_PORT };
}

export type RequestLoggingConfig = ConfigOf<ReturnType<typeof toRequestLoggingConfig>>;
/** Where Prometheus metrics listen, apart from the public listener. */
export type MetricsConfig = ConfigOf<ReturnType<typeof toApiMetricsConfig>>;
