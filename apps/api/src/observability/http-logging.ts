import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { FastifyReply, FastifyRequest } from 'fastify';
import pino from 'pino';
import type { ApiConfig } from '@lib/config';
import { jsonLogOptions, JsonLogger } from '@lib/observability';
import type { AuthenticatedRequest } from '../auth/auth.decorators';

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * A caller's (or the load balancer's) request id is kept so logs join up across services.
 * Fastify calls this first (`genReqId`); the response header, the request line and every
 * application line of the request carry the same id.
 */
export function requestId(req: IncomingMessage): string {
  const given = req.headers['x-request-id'];
  return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
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

/** The request being served, for the application lines written while serving it. */
const servedRequest = new AsyncLocalStorage<{ requestId: string }>();

/**
 * Runs the route (guards, pipes, handler) inside the request's context. Fastify calls the handler
 * synchronously from the last preHandler's `done`, so everything the route awaits inherits it.
 */
export function runInRequestContext(request: FastifyRequest, _reply: FastifyReply, done: () => void): void {
  servedRequest.run({ requestId: request.id }, done);
}

/** Nest's lines and the request lines: one pino logger in the shape every process writes. */
export function createApiLogger(config: Pick<ApiConfig, 'logLevel'>): JsonLogger {
  return new JsonLogger(pino(jsonLogOptions(config.logLevel)), () => servedRequest.getStore());
}

/**
 * The request line, written from the response hook (no per-request child logger). What must
 * never reach logs is left out: the Authorization header, query strings (presigned URLs and
 * cursors travel there) and raw user ids; `user` is the caller's pseudonym.
 */
export function requestLine(
  request: AuthenticatedRequest,
  reply: FastifyReply,
  userKeyOf: (userId: string) => string,
): Record<string, unknown> {
  return {
    requestId: request.id,
    req: { method: request.method, path: request.url.split('?')[0] },
    route: request.routeOptions.url,
    res: { statusCode: reply.statusCode },
    responseTime: Math.round(reply.elapsedTime),
    ...(request.user ? { user: userKeyOf(request.user.id) } : {}),
  };
}
