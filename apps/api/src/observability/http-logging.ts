import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { DynamicModule } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import { startTime } from 'pino-http';
import type { ApiConfig } from '@lib/config';
import { jsonLogOptions } from '@lib/observability';

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

type RequestWithId = IncomingMessage & { id?: string };

/**
 * A caller's (or the load balancer's) request id is kept so logs join up across services.
 * Fastify calls this first; the id is left on the raw request, where pino-http takes it, so the
 * response header, the request line and every application line of the request carry one id.
 */
export function requestId(req: IncomingMessage): string {
  const given = req.headers['x-request-id'];
  const id = typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
  (req as RequestWithId).id = id;
  return id;
}

export interface RequestLogPolicy {
  /** Share of successful, fast requests that get a line (0–1). */
  successSampleRate: number;
  /** Requests at least this slow always get a line. */
  slowRequestMs: number;
}

/** Errors and slow requests always get a line; of the rest, a sample. */
export function requestLogLevel(
  statusCode: number,
  failed: boolean,
  elapsedMs: number,
  policy: RequestLogPolicy,
  random: () => number = Math.random,
): 'error' | 'warn' | 'info' | 'silent' {
  if (failed || statusCode >= 500) return 'error';
  if (statusCode >= 400) return 'warn';
  if (elapsedMs >= policy.slowRequestMs) return 'warn';
  return random() < policy.successSampleRate ? 'info' : 'silent';
}

/**
 * nestjs-pino: one pino logger for Nest's lines and the request lines (Fastify's own logger is
 * off), the request id bound to every line written while a request is served. What must never
 * reach logs is left out: the Authorization header and query strings (presigned URLs and cursors
 * travel there) are not serialised at all.
 */
export function httpLoggerModule(config: Pick<ApiConfig, 'logLevel' | 'logging'>): DynamicModule {
  return LoggerModule.forRoot({
    pinoHttp: {
      ...jsonLogOptions(config.logLevel),
      quietReqLogger: true,
      customAttributeKeys: { reqId: 'requestId' },
      genReqId: (req) => (req as RequestWithId).id ?? requestId(req),
      serializers: {
        req: (req: { method: string; url: string }) => ({ method: req.method, path: req.url.split('?')[0] }),
        res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
      },
      customLogLevel: (_req, res: ServerResponse & { [startTime]?: number }, error) =>
        requestLogLevel(
          res.statusCode,
          error !== undefined,
          Date.now() - (res[startTime] ?? Date.now()),
          config.logging,
        ),
    },
  });
}
