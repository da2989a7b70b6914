import { Injectable } from '@nestjs/common';
import { Prisma } from './prisma-client';
import { PrismaService } from './prisma.service';
import { withDb } from './prisma-error';

/** The background passes whose items are isolated from one another. */
export type BackgroundPass = 'thumbnail' | 'renditions' | 'expiry' | 'multipart' | 'erasure';

export interface BackgroundFailureRecord {
  pass: string;
  itemId: string;
  attempts: number;
  lastError: string;
  retryAt: Date;
  failedAt: Date | null;
  firstFailedAt: Date;
  updatedAt: Date;
}

export interface FailurePolicy {
  retryBaseSeconds: number;
  /** null: keep retrying (a dependency outage, not the item's fault). */
  maxAttempts: number | null;
}

/** The longest backoff between two attempts of an item. */
const MAX_BACKOFF_SECONDS = 3600;

/**
 * The condition a claim adds so that an item waiting out its backoff, or given up on, is not
 * taken: `column` is the item's id expression in the claiming query (e.g. `u2.id`).
 */
export function notHeldBack(pass: BackgroundPass, column: Prisma.Sql): Prisma.Sql {
  return Prisma.sql`NOT EXISTS (
    SELECT 1 FROM background_failures bf
    WHERE bf.pass = ${pass} AND bf.item_id = ${column}::text AND (bf.failed_at IS NOT NULL OR bf.retry_at > now())
  )`;
}

/** Per-item failure bookkeeping of the background passes (see BackgroundFailure in the schema). */
@Injectable()
export class BackgroundFailureRepository {
  constructor(private readonly prisma: PrismaService) {}

  /**
   * Counts a failed attempt: the item is held back for retryBase × 2^(attempts−1), and marked
   * failed once it reached `maxAttempts`. Returns the attempts so far and whether it gave up.
   */
  async recordFailure(
    pass: BackgroundPass,
    itemId: string,
    error: string,
    policy: FailurePolicy,
  ): Promise<{ attempts: number; gaveUp: boolean }> {
    const rows = await withDb(
      () =>
        this.prisma.$queryRaw<{ attempts: number; failed: boolean }[]>`
        INSERT INTO background_failures AS f (pass, item_id, attempts, last_error, retry_at, failed_at)
        VALUES (${pass}, ${itemId}, 1, ${error}, now() + make_interval(secs => ${policy.retryBaseSeconds}),
          CASE WHEN ${policy.maxAttempts}::int <= 1 THEN now() END)
        ON CONFLICT (pass, item_id) DO UPDATE SET
          attempts = f.attempts + 1,
          last_error = EXCLUDED.last_error,
          retry_at = now() + make_interval(secs => least(${MAX_BACKOFF_SECONDS}::float8,
            ${policy.retryBaseSeconds} * power(2, least(f.attempts, 30)))),
          failed_at = CASE WHEN f.attempts + 1 >= ${policy.maxAttempts}::int THEN coalesce(f.failed_at, now()) END,
          updated_at = now()
        RETURNING attempts, failed_at IS NOT NULL AS failed`,
    );
    const row = rows[0]!;
    return { attempts: row.attempts, gaveUp: row.failed };
  }

  /** The item succeeded: whatever failed before is forgotten. */
  async clear(pass: BackgroundPass, itemId: string): Promise<void> {
    await withDb(() => this.prisma.backgroundFailure.deleteMany({ where: { pass, itemId } }));
  }

  /** For admins: given-up items first, then those still being retried; newest first. */
  async list(options: { failedOnly?: boolean; limit: number }): Promise<BackgroundFailureRecord[]> {
    return withDb(() =>
      this.prisma.backgroundFailure.findMany({
        where: options.failedOnly ? { failedAt: { not: null } } : {},
        orderBy: [{ failedAt: { sort: 'desc', nulls: 'last' } }, { updatedAt: 'desc' }],
        take: options.limit,
      }),
    );
  }

  /** Lets an admin have a given-up item tried again at the next pass. */
  async retry(pass: string, itemId: string): Promise<boolean> {
    const { count } = await withDb(() => this.prisma.backgroundFailure.deleteMany({ where: { pass, itemId } }));
    return count > 0;
  }
}
