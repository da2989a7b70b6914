import { AppError, FieldError } from './app-error';
import { ErrorCode } from './error-code';

/** One factory per failure, so call sites read as what went wrong, not as HTTP plumbing. */
export const errors = {
  malformedRequest: (detail: string) => new AppError(ErrorCode.MalformedRequest, { detail }),

  validationFailed: (fieldErrors: FieldError[]) =>
    new AppError(ErrorCode.ValidationFailed, {
      detail: fieldErrors.map((e) => `${e.field}: ${e.message}`).join('; '),
      errors: fieldErrors,
    }),

  unauthenticated: (detail = 'A valid bearer token is required.') =>
    new AppError(ErrorCode.Unauthenticated, { detail, headers: { 'www-authenticate': 'Bearer' } }),

  forbidden: (detail: string) => new AppError(ErrorCode.Forbidden, { detail }),

  accountBeingErased: () =>
    new AppError(ErrorCode.Forbidden, {
      detail: 'This account is being erased at its owner’s request; it can no longer create uploads.',
    }),

  /** Also used for other users' resources, so their existence never leaks. */
  notFound: (resource: string, id: string) =>
    new AppError(ErrorCode.NotFound, { detail: `${resource} ${id} was not found.` }),

  routeNotFound: (method: string, url: string) =>
    new AppError(ErrorCode.NotFound, { detail: `No route for ${method} ${url.split('?')[0]}.` }),

  conflict: (detail: string) => new AppError(ErrorCode.Conflict, { detail }),

  idempotencyConflict: () =>
    new AppError(ErrorCode.IdempotencyConflict, {
      detail: 'This Idempotency-Key was already used with a different request body.',
    }),

  payloadTooLarge: (detail: string) => new AppError(ErrorCode.PayloadTooLarge, { detail }),

  unsupportedMediaType: (detail: string) => new AppError(ErrorCode.UnsupportedMediaType, { detail }),

  headersTooLarge: () =>
    new AppError(ErrorCode.HeadersTooLarge, { detail: 'The request headers exceed the size this API accepts.' }),

  requestTimeout: () => new AppError(ErrorCode.RequestTimeout, { detail: 'The request was not received in time.' }),

  rateLimited: (retryAfterSeconds: number, detail: string) =>
    new AppError(ErrorCode.RateLimited, {
      detail,
      headers: { 'retry-after': String(Math.max(1, Math.ceil(retryAfterSeconds))) },
    }),

  dependencyUnavailable: (dependency: string, cause?: unknown) =>
    new AppError(ErrorCode.DependencyUnavailable, {
      detail: `${dependency} is unavailable; try again shortly.`,
      retryable: true,
      cause,
      headers: { 'retry-after': '5' },
    }),

  /** This process is at capacity (not a fault): the client should come back after `retry-after`. */
  overloaded: (retryAfterSeconds: number, detail: string) =>
    new AppError(ErrorCode.Overloaded, {
      detail,
      retryable: true,
      headers: { 'retry-after': String(Math.max(1, Math.ceil(retryAfterSeconds))) },
    }),

  internal: (cause?: unknown) => new AppError(ErrorCode.Internal, { detail: 'An unexpected error occurred.', cause }),
};
