import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { SwaggerModule } from '@nestjs/swagger';
import type { ApiConfig } from '@lib/config';
import { AppModule } from './app.module';
import { problemClientErrorHandler, problemFrameworkErrorHandler } from './common/client-error.handler';
import { registerJsonBodyParser } from './common/json-body.parser';
import { ProblemFilter } from './common/problem.filter';
import { registerSecurityHeaders } from './common/security-headers';
import { createValidationPipe } from './common/validation.pipe';
import { registerHttpObservability } from './observability/http-observability';
import { createApiLogger, requestId } from './observability/http-logging';
import { createOpenApiDocument } from './openapi/openapi.document';
import { registerWebClient } from './web/web-client';

/** Builds the configured app without listening, so tests drive the same wiring as prod. */
export async function createApiApp(config: ApiConfig): Promise<NestFastifyApplication> {
  const adapter = new FastifyAdapter({
    bodyLimit: 64 * 1024,
    trustProxy: true,
    // A render token (pseudonym + image id) is 69 characters; nothing needs more than this.
    routerOptions: { maxParamLength: 256 },
    clientErrorHandler: problemClientErrorHandler,
    frameworkErrors: problemFrameworkErrorHandler,
    // Request lines come from our response hook (registerHttpObservability), in the shape of every other line.
    logger: false,
    genReqId: requestId,
  });
  const logger = createApiLogger(config);
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(config), adapter, {
    logger,
    // Our own JSON parser (registerJsonBodyParser) replaces Nest's and Fastify's.
    bodyParser: false,
  });
  // The API serves JSON only; the interactive docs at /docs need inline scripts and styles.
  registerSecurityHeaders(app.getHttpAdapter().getInstance(), {
    contentSecurityPolicy: false,
    crossOriginResourcePolicy: { policy: 'same-site' },
  });
  registerHttpObservability(app, logger);
  // JSON is the only request body this API reads; anything else is a 415, not a string body.
  app.getHttpAdapter().getInstance().removeContentTypeParser('text/plain');
  registerJsonBodyParser(app.getHttpAdapter().getInstance());
  app.useGlobalFilters(new ProblemFilter());
  app.useGlobalPipes(createValidationPipe());
  app.enableCors({
    origin: config.webOrigins,
    methods: ['GET', 'POST', 'DELETE'],
    allowedHeaders: ['authorization', 'content-type', 'idempotency-key', 'x-request-id'],
    exposedHeaders: ['x-request-id', 'retry-after'],
    maxAge: 600,
  });

  // Off by default in production (API_DOCS_ENABLED): the document maps every route for a prober.
  if (config.docsEnabled) {
    const document = createOpenApiDocument(app, config.publicBaseUrl);
    SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs/json', yamlDocumentUrl: 'docs/yaml' });
  }
  app.enableShutdownHooks();
  await registerWebClient(app, config);
  return app;
}
