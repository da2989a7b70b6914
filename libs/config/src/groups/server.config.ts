import { z } from 'zod';
import { ConfigOf, envBoolean, envInt, envList } from '../env-values';
import { isProduction, RuntimeEnv } from './runtime.config';

/** The API's public listener and what it serves besides the API itself. */
export const serverEnv = z.object({
  HOST: z.string().min(1).default('127.0.0.1'),
  PORT: envInt(0, 65535).default(3000),
  PUBLIC_BASE_URL: z.string().url().optional(),
  WEB_ORIGINS: envList.default('http://127.0.0.1:3000,http://localhost:3000'),
  // The OpenAPI document and its UI at /docs; off by default with NODE_ENV=production.
  API_DOCS_ENABLED: envBoolean.optional(),
  // Local mode only: the API also serves the reference web client (dist/web) at /.
  WEB_CLIENT_ENABLED: envBoolean.default('false'),
});

export type ServerEnv = z.output<typeof serverEnv>;

export function toServerConfig(env: ServerEnv & RuntimeEnv) {
  return {
    host: env.HOST,
    port: env.PORT,
    publicBaseUrl: (env.PUBLIC_BASE_URL ?? `http://${env.HOST}:${env.PORT}`).replace(/\/+$/, ''),
    webOrigins: env.WEB_ORIGINS,
    docsEnabled: env.API_DOCS_ENABLED ?? !isProduction(env),
    /** Local mode only: also serve the reference web client (dist/web) at /. */
    webClientEnabled: env.WEB_CLIENT_ENABLED,
  };
}

export type ServerConfig = ConfigOf<ReturnType<typeof toServerConfig>>;
