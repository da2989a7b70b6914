import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';

/**
 * Stable operation ids, which generated clients turn into method names: a renamed controller
 * method must not rename a client's call. Routes not listed get `<method><Controller>`.
 */
export const OPERATION_IDS: Record<string, string> = {
  'UploadController.create': 'createUpload',
  'UploadController.status': 'getUpload',
  'UploadController.sign': 'signUploadRequest',
  'ImageController.list': 'listImages',
  'ImageController.get': 'getImage',
  'ImageController.delete': 'deleteImage',
  'RenderController.createUrl': 'createRenderUrl',
  'RenderController.serve': 'renderImage',
  'UserErasureController.eraseMe': 'eraseMe',
  'UserErasureController.myErasure': 'getMyErasure',
  'AdminErasureController.create': 'createErasure',
  'AdminErasureController.get': 'getErasure',
  'AdminErasureController.resume': 'resumeErasure',
  'AdminDlqController.inspect': 'getDeadLetters',
  'AdminDlqController.redrive': 'redriveDeadLetters',
  'DevTokenController.issue': 'createDevToken',
  'HealthController.live': 'getLiveness',
  'HealthController.ready': 'getReadiness',
};

const TAGS: Record<string, string> = {
  uploads:
    'Upload sessions: presigned PUT URLs or multipart sessions (each S3 request signed by POST /v1/uploads/sign), ' +
    'then the verdict of the worker on the bytes S3 received',
  images: "The caller's verified images: listing, download URLs, deletion",
  render: 'Signed, expiring URLs of on-demand renders (sizes, formats) of an image',
  erasure: "Right to erasure: a user's own request and its progress",
  admin: 'Operators (admin role): dead-letter queue and erasure requests',
  operations: 'Liveness, readiness and Prometheus metrics (no authentication)',
  dev: 'Local and test runs only: tokens for any user (off unless DEV_TOKEN_ENABLED)',
};

const PROBLEM = 'ProblemDetails';
/** The error responses an operation documents: each is application/problem+json. */
const ERRORS: Record<string, string> = {
  '400': 'The request is malformed or a value is invalid (`errors` names each field)',
  '401': 'No valid bearer token',
  '403': 'Authenticated, but this is not allowed (e.g. an admin route, or uploads after erasure)',
  '404': 'No such resource for this caller (other users’ resources answer 404 too)',
  '429': 'Rate limited: retry after the Retry-After header',
  '500': 'Unexpected failure',
  '503': 'A dependency (database, object store, queue) is unavailable: retry later',
};

type Operation = {
  operationId?: string;
  parameters?: { name: string; in: string; required?: boolean; description?: string }[];
  requestBody?: unknown;
  responses: Record<string, unknown>;
  security?: Record<string, string[]>[];
  tags?: string[];
};

/** Builds the document /docs serves, with the conventions clients rely on applied everywhere. */
export function createOpenApiDocument(app: INestApplication, serverUrl: string): OpenAPIObject {
  const builder = new DocumentBuilder()
    .setTitle('Image upload platform')
    .setDescription('Presigned S3 uploads, verified by a worker. Errors are application/problem+json (RFC 9457).')
    .setVersion('1')
    .addServer(serverUrl)
    .addBearerAuth();
  for (const [name, description] of Object.entries(TAGS)) builder.addTag(name, description);
  const document = SwaggerModule.createDocument(app, builder.build(), {
    operationIdFactory: (controller, method) =>
      OPERATION_IDS[`${controller}.${method}`] ?? `${method}${controller.replace(/Controller$/, '')}`,
  });
  document.info.license = { name: 'UNLICENSED' };
  document.components = {
    ...document.components,
    schemas: { ...document.components?.schemas, [PROBLEM]: problemSchema() },
    responses: Object.fromEntries(
      Object.entries(ERRORS).map(([status, description]) => [
        `Problem${status}`,
        {
          description,
          content: { 'application/problem+json': { schema: { $ref: `#/components/schemas/${PROBLEM}` } } },
        },
      ]),
    ),
  };
  for (const [path, item] of Object.entries(document.paths)) {
    for (const operation of Object.values(item as Record<string, Operation>)) applyConventions(path, operation);
  }
  return document;
}

function applyConventions(path: string, operation: Operation): void {
  // `@Headers('x')` in a handler adds a required parameter next to the documented @ApiHeader:
  // keep one per name (the documented one, optional if either says so).
  const headers = new Map<string, NonNullable<Operation['parameters']>[number]>();
  operation.parameters = (operation.parameters ?? []).filter((parameter) => {
    if (parameter.in !== 'header') return true;
    const key = parameter.name.toLowerCase();
    const seen = headers.get(key);
    if (!seen) return (headers.set(key, parameter), true);
    seen.required = Boolean(seen.required && parameter.required);
    seen.description ??= parameter.description;
    if (parameter.description && !/[A-Z]/.test(seen.name)) seen.name = parameter.name;
    return false;
  });
  const secured = (operation.security ?? []).length > 0;
  // Public operations say so: without it they would inherit a global requirement in some tools.
  if (!secured) operation.security = [];
  const statuses = new Set(['500']);
  if (operation.parameters.length > 0 || operation.requestBody) statuses.add('400');
  if (secured) statuses.add('401').add('403').add('429');
  if (/\{\w+\}/.test(path)) statuses.add('404');
  // Only liveness and metrics answer without a dependency or a bounded queue behind them.
  if (!['/healthz', '/metrics'].includes(path)) statuses.add('503');
  for (const status of [...statuses].sort()) {
    operation.responses[status] ??= { $ref: `#/components/responses/Problem${status}` };
  }
  // Error responses a controller documents itself (with its own description) get the body too.
  for (const [status, response] of Object.entries(operation.responses)) {
    if (Number(status) < 400 || '$ref' in (response as object)) continue;
    (response as { content?: unknown }).content = {
      'application/problem+json': { schema: { $ref: `#/components/schemas/${PROBLEM}` } },
    };
  }
}

function problemSchema(): Record<string, unknown> {
  return {
    type: 'object',
    description: 'RFC 9457 problem details, with a stable `code` and the offending fields',
    required: ['type', 'title', 'status', 'detail', 'code'],
    properties: {
      type: { type: 'string', format: 'uri', description: 'Identifies the kind of problem' },
      title: { type: 'string' },
      status: { type: 'integer', minimum: 400, maximum: 599 },
      detail: { type: 'string' },
      code: { type: 'string', description: 'Stable machine-readable error code (e.g. VALIDATION_FAILED)' },
      instance: { type: 'string', description: 'The request path' },
      errors: {
        type: 'array',
        items: {
          type: 'object',
          required: ['field', 'message'],
          properties: { field: { type: 'string' }, message: { type: 'string' } },
        },
      },
    },
  };
}
