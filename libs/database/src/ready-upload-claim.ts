import { Prisma } from './prisma-client';
import { notHeldBack } from './background-failure.repository';
import { PrismaService } from './prisma.service';
import { withDb } from './prisma-error';

/** The verified original of a READY upload, claimed to make something from it. */
export interface ClaimedOriginal {
  uploadId: string;
  userId: string;
  originalBucket: string;
  originalKey: string;
  /** The verified version of the original: what is made, is made from exactly these bytes. */
  originalETag: string;
  /** Its size when verified: a download never reads past it. */
  originalBytes: number;
}

/** Each pass that works on READY uploads records its claim in a column of its own. */
const CLAIM_COLUMNS = { thumbnail: 'thumbnail_claimed_at', renditions: 'renditions_claimed_at' } as const;
export type ReadyUploadPass = keyof typeof CLAIM_COLUMNS;

/** A claim older than this is taken to belong to a worker that died mid-way. */
const CLAIM_TIMEOUT = '5 minutes';

export interface ReadyUploadClaim {
  pass: ReadyUploadPass;
  /** What else makes an upload wanted by the pass: `u2` is the upload, `i2` its image. */
  wanted: Prisma.Sql;
  limit: number;
  /** Only images READY at least this long ago. */
  minAgeSeconds: number;
  /** More columns to return: `u` is the upload. */
  returning?: Prisma.Sql;
}

/**
 * READY uploads the pass wants, oldest image first, claimed with SKIP LOCKED so concurrent
 * worker tasks never work on the same upload. An upload whose last attempt failed waits out
 * its backoff (see BackgroundFailure); a claim left by a worker that died is taken over once it
 * times out.
 */
export function claimReadyUploads<T extends ClaimedOriginal>(
  prisma: PrismaService,
  claim: ReadyUploadClaim,
): Promise<T[]> {
  const column = Prisma.raw(CLAIM_COLUMNS[claim.pass]);
  const returning = claim.returning ? Prisma.sql`, ${claim.returning}` : Prisma.empty;
  return withDb(
    () =>
      prisma.$queryRaw<T[]>`
        UPDATE uploads u SET ${column} = now()
        FROM images i
        WHERE i.upload_id = u.id AND u.id IN (
          SELECT u2.id FROM uploads u2
          JOIN images i2 ON i2.upload_id = u2.id
          WHERE u2.status = 'READY'
            AND (u2.${column} IS NULL OR u2.${column} < now() - ${CLAIM_TIMEOUT}::interval)
            AND ${claim.wanted}
            AND i2.created_at <= now() - make_interval(secs => ${claim.minAgeSeconds})
            AND ${notHeldBack(claim.pass, Prisma.sql`u2.id`)}
          ORDER BY i2.created_at
          LIMIT ${claim.limit}
          FOR UPDATE OF u2 SKIP LOCKED
        )
        RETURNING u.id AS "uploadId", u.user_id AS "userId", i.bucket AS "originalBucket", i.key AS "originalKey",
          i.e_tag AS "originalETag", i.bytes AS "originalBytes"${returning}`,
  );
}

/** A failed attempt hands its claim back, so the retry is timed by its backoff alone. */
export async function releaseReadyUploadClaim(
  prisma: PrismaService,
  pass: ReadyUploadPass,
  uploadId: string,
): Promise<void> {
  const column = Prisma.raw(CLAIM_COLUMNS[pass]);
  await withDb(() => prisma.$executeRaw`UPDATE uploads SET ${column} = NULL WHERE id = ${uploadId}::uuid`);
}
