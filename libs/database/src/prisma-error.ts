import { AppError, errors } from '@lib/errors';
import { Prisma } from '../../../generated/prisma/client';

/**
 * Wraps a Prisma failure in the platform's error type. Known request errors are our bug or a
 * constraint; anything else (no connection, pool timeout, server restarting) is transient.
 */
export function fromPrismaError(error: unknown): AppError {
  if (error instanceof AppError) return error;
  if (error instanceof Prisma.PrismaClientKnownRequestError) {
    if (error.code === 'P2002') return errors.conflict('A record with the same unique key already exists.');
    if (['P1001', 'P1002', 'P1008', 'P1017', 'P2024'].includes(error.code)) {
      return errors.dependencyUnavailable('PostgreSQL', error);
    }
    return errors.internal(error);
  }
  if (error instanceof Prisma.PrismaClientValidationError) return errors.internal(error);
  return errors.dependencyUnavailable('PostgreSQL', error);
}

/** Runs a repository operation and wraps whatever Prisma throws. */
export async function withDb<T>(operation: () => Promise<T>): Promise<T> {
  try {
    return await operation();
  } catch (error) {
    throw fromPrismaError(error);
  }
}
