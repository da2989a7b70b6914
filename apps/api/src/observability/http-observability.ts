import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { APP_CONFIG, ApiConfig } from '@lib/config';
import type { JsonLogger } from '@lib/observability';
import type { AuthenticatedRequest } from '../auth/auth.decorators';
import { UserKeyService } from '../auth/user-key.service';
import { ApiMetrics } from './api.metrics';
import { requestLine, requestLogLevel, runInRequestContext } from './http-logging';

/**
 * Echoes the request id, runs each route in its request's log context, and from one response
 * hook records route-level metrics and writes the (sampled) request line.
 */
export function registerHttpObservability(app: NestFastifyApplication, logger: JsonLogger): void {
  const metrics = app.get(ApiMetrics);
  const userKeys = app.get(UserKeyService);
  const policy = app.get<ApiConfig>(APP_CONFIG).logging;
  const userKeyOf = (userId: string) => userKeys.of(userId);
  const fastify = app.getHttpAdapter().getInstance();
  fastify.addHook('onSend', (request, reply, payload, done) => {
    reply.header('x-request-id', request.id);
    done(null, payload);
  });
  fastify.addHook('preHandler', runInRequestContext);
  fastify.addHook('onResponse', (request, reply, done) => {
    // Route templates, not raw URLs, keep the label set small (no ids in labels).
    const route = request.routeOptions.url ?? 'unmatched';
    metrics.observe(route, request.method, reply.statusCode, reply.elapsedTime / 1000);
    // A response that never finished (the client went away mid-reply) counts as failed.
    const failed = !reply.raw.writableFinished;
    const level = requestLogLevel(reply.statusCode, failed, reply.elapsedTime, policy);
    if (level !== 'silent') {
      logger.pino[level](
        requestLine(request as AuthenticatedRequest, reply, userKeyOf),
        failed ? 'request errored' : 'request completed',
      );
    }
    done();
  });
}
