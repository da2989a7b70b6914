import { DatabaseError } from 'pg';
import { AppError, errors } from '@lib/errors';
import { Prisma } from './prisma-client';

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
  // node-postgres, under PrismaService.prepared: SQLSTATE classes as Prisma maps them.
  if (error instanceof DatabaseError) {
    if (error.code === '23505') return errors.conflict('A record with the same unique key already exists.');
    // Connection exceptions, insufficient resources, operator intervention (shutdown, restart).
    if (/^(08|53|57)/.test(error.code ?? '')) return errors.dependencyUnavailable('PostgreSQL', error);
    return errors.internal(error);
  }
  return errors.dependencyUnavailable('PostgreSQL', error);
}

/**
 * A row this write refers to is gone (another transaction deleted it first). Typed queries
 * report it as P2003; raw ones as P2010 carrying the driver adapter's classification.
 */
function isForeignKeyViolation(error: unknown): boolean {
  if (!(error instanceof Prisma.PrismaClientKnownRequestError)) return false;
  if (error.code === 'P2003') return true;
  const cause = (error.meta?.driverAdapterError as { cause?: { kind?: string } } | undefined)?.cause;
  return error.code === 'P2010' && cause?.kind === 'ForeignKeyConstraintViolation';
}

/** Runs a repository operation and wraps whatever Prisma throws. */
export async function withDb<T>(operation: () => Promise<T>): Promise<T> {
  try {
    return await operation();
  } catch (error) {
    throw fromPrismaError(error);
  }
}

/**
 * `withDb` for a write naming an upload that its owner may delete meanwhile: the foreign-key
 * violation is an answer, not a fault (a retry would find the upload just as gone).
 */
export async function withDbOrUploadGone<T>(operation: () => Promise<T>): Promise<T | 'upload-gone'> {
  try {
    return await operation();
  } catch (error) {
    if (isForeignKeyViolation(error)) return 'upload-gone';
    throw fromPrismaError(error);
  }
}
