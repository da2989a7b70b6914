import { randomUUID } from 'node:crypto';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyServerOptions } from 'fastify';
import { ApiMetrics } from './api.metrics';

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * Fastify's pino logger, with what must never reach logs left out: the Authorization header
 * and query strings (presigned URLs and cursors travel there) are not serialised at all.
 */
export function loggerOptions(level: string): FastifyServerOptions {
  return {
    logger:
      level === 'silent'
        ? false
        : {
            level,
            serializers: {
              req: (req: { method: string; url: string; id: string }) => ({
                method: req.method,
                path: req.url.split('?')[0],
                requestId: req.id,
              }),
              res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
            },
          },
    // A caller's (or the load balancer's) request id is kept so logs join up across services.
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    },
  };
}

/** Echoes the request id and records route-level metrics for every response. */
export function registerHttpObservability(app: NestFastifyApplication): void {
  const metrics = app.get(ApiMetrics);
  const fastify = app.getHttpAdapter().getInstance();
  fastify.addHook('onSend', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });
  fastify.addHook('onResponse', async (request, reply) => {
    // Route templates, not raw URLs, keep the label set small (no ids in labels).
    const route = request.routeOptions.url ?? 'unmatched';
    metrics.observe(route, request.method, reply.statusCode, reply.elapsedTime / 1000);
  });
}
