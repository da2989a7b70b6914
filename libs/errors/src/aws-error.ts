import { AppError } from './app-error';
import { errors } from './errors';

interface AwsLikeError {
  name?: string;
  code?: string;
  $metadata?: { httpStatusCode?: number };
  $retryable?: unknown;
}

const NOT_FOUND_NAMES = new Set(['NotFound', 'NoSuchKey', 'NoSuchBucket', 'NoSuchVersion']);

/** The HTTP status an AWS SDK failure answered with, if it got that far. */
export function awsHttpStatus(error: unknown): number | undefined {
  return ((error ?? {}) as AwsLikeError).$metadata?.httpStatusCode;
}

export function isAwsNotFound(error: unknown): boolean {
  const e = (error ?? {}) as AwsLikeError;
  return NOT_FOUND_NAMES.has(e.name ?? '') || awsHttpStatus(error) === 404;
}

/**
 * Wraps an AWS SDK failure in the platform's error type. 5xx, throttling and network faults
 * are retryable; a 4xx means our request was wrong and retrying will not help.
 */
export function fromAwsError(service: string, error: unknown): AppError {
  if (error instanceof AppError) return error;
  const e = (error ?? {}) as AwsLikeError;
  const status = awsHttpStatus(error);
  if (status !== undefined && status >= 400 && status < 500 && status !== 429 && !e.$retryable) {
    return errors.internal(error);
  }
  return errors.dependencyUnavailable(service, error);
}

/**
 * Runs an AWS SDK call and wraps whatever it throws, as `withDb` does for Prisma. `answer` turns
 * a failure that is an answer rather than a fault (a missing object, a changed ETag) into a
 * result; it returns undefined for a failure that is a fault after all.
 */
export function withAws<T>(service: string, operation: () => Promise<T>): Promise<T>;
export function withAws<T, A>(
  service: string,
  operation: () => Promise<T>,
  answer: (error: unknown) => A | undefined | Promise<A | undefined>,
): Promise<T | A>;
export async function withAws<T, A>(
  service: string,
  operation: () => Promise<T>,
  answer?: (error: unknown) => A | undefined | Promise<A | undefined>,
): Promise<T | A> {
  try {
    return await operation();
  } catch (error) {
    const answered = answer ? await answer(error) : undefined;
    if (answered !== undefined) return answered;
    throw fromAwsError(service, error);
  }
}
