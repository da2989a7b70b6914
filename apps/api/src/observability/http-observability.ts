import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { ApiMetrics } from './api.metrics';

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
