import { AppError, FieldError } from './app-error';
import { errors } from './errors';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';
const TYPE_BASE = 'https://errors.image-upload.dev/';

/** RFC 9457 problem details, extended with the stable code and per-field errors. */
export interface ProblemDocument {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  instance?: string;
  errors?: FieldError[];
}

export function toProblem(error: AppError, instance?: string): ProblemDocument {
  return {
    type: TYPE_BASE + error.code,
    title: error.title,
    status: error.status,
    detail: error.detail,
    code: error.code,
    ...(instance ? { instance } : {}),
    ...(error.errors ? { errors: error.errors } : {}),
  };
}

interface HttpLikeError {
  statusCode?: number;
  status?: number;
  code?: string;
  message?: string;
}

/**
 * Turns whatever was thrown into an AppError. Framework errors (Fastify body parsing,
 * Nest's HttpException) keep their 4xx meaning; anything unknown becomes a 500.
 */
export function toAppError(error: unknown): AppError {
  if (error instanceof AppError) return error;
  const e = (error ?? {}) as HttpLikeError;
  const status = e.statusCode ?? e.status;
  if (e.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE' || status === 415) {
    return errors.unsupportedMediaType('Send the body as application/json.');
  }
  if (e.code === 'FST_ERR_CTP_BODY_TOO_LARGE' || status === 413) {
    return errors.payloadTooLarge('The request body is too large.');
  }
  if (typeof status === 'number' && status >= 400 && status < 500) {
    if (status === 404) return errors.routeNotFound('', e.message ?? '');
    const detail =
      e.code?.startsWith('FST_ERR_CTP') || e instanceof SyntaxError
        ? `The request body is not valid JSON: ${e.message}`
        : (e.message ?? 'The request could not be understood.');
    return errors.malformedRequest(detail);
  }
  return errors.internal(error);
}
