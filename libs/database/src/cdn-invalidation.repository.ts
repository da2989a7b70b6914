import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { PrismaService } from './prisma.service';
import { withDb } from './prisma-error';

export interface PendingInvalidation {
  id: string;
  path: string;
  erasureId: string | null;
  attempts: number;
}

/** One row per path, for the outbox insert that rides along with a delete. */
export function invalidationRows(paths: string[], erasureId: string | null = null) {
  return paths.map((path) => ({ id: randomUUID(), path, erasureId }));
}

/**
 * The outbox of CDN paths to invalidate. Rows are written in the transaction of the delete that
 * makes the paths stale (ImageRepository.deleteUpload, ErasureRepository.complete), so a delete
 * never commits without its invalidation; the worker drains them in batches.
 */
@Injectable()
export class CdnInvalidationRepository {
  constructor(private readonly prisma: PrismaService) {}

  /**
   * Up to `maxPaths` due rows, oldest first, hidden from other workers for `leaseSeconds` (a
   * worker that dies mid-call leaves them to be taken again, not lost).
   */
  async claim(maxPaths: number, leaseSeconds: number): Promise<PendingInvalidation[]> {
    return withDb(
      () => this.prisma.$queryRaw<PendingInvalidation[]>`
        UPDATE cdn_invalidations SET next_attempt_at = now() + make_interval(secs => ${leaseSeconds})
        WHERE id IN (
          SELECT id FROM cdn_invalidations
          WHERE invalidated_at IS NULL AND next_attempt_at <= now()
          ORDER BY created_at
          LIMIT ${maxPaths}
          FOR UPDATE SKIP LOCKED
        )
        RETURNING id, path, erasure_id AS "erasureId", attempts`,
    );
  }

  /**
   * Marks the rows done and stamps each erasure whose paths are now all invalidated, in one
   * transaction: the erasure's record says it reached the CDN only once it really did.
   */
  async markDone(ids: string[], invalidationId: string): Promise<void> {
    await withDb(() =>
      this.prisma.$transaction(async (tx) => {
        await tx.$executeRaw`
          UPDATE cdn_invalidations SET invalidated_at = now(), invalidation_id = ${invalidationId}, last_error = NULL
          WHERE id = ANY(${ids}::uuid[])`;
        await tx.$executeRaw`
          UPDATE erasure_requests e SET cdn_invalidated_at = now(), updated_at = now()
          WHERE e.cdn_invalidated_at IS NULL
            AND e.id IN (SELECT erasure_id FROM cdn_invalidations WHERE id = ANY(${ids}::uuid[]) AND erasure_id IS NOT NULL)
            AND NOT EXISTS (SELECT 1 FROM cdn_invalidations c WHERE c.erasure_id = e.id AND c.invalidated_at IS NULL)`;
      }),
    );
  }

  /** A failed call: retried after `retryInSeconds`, with the reason kept where an admin can see it. */
  async markFailed(ids: string[], reason: string, retryInSeconds: number): Promise<void> {
    await withDb(
      () => this.prisma.$executeRaw`
        UPDATE cdn_invalidations SET attempts = attempts + 1, last_error = ${reason},
          next_attempt_at = now() + make_interval(secs => ${retryInSeconds})
        WHERE id = ANY(${ids}::uuid[])`,
    );
  }
}
