import { Injectable } from '@nestjs/common';
import { Prisma } from './prisma-client';
import { notHeldBack } from './background-failure.repository';
import { PrismaService } from './prisma.service';
import { withDb } from './prisma-error';

export interface ThumbnailWork {
  uploadId: string;
  userId: string;
  originalBucket: string;
  originalKey: string;
  /** The verified version of the original: the thumbnail is made from exactly these bytes. */
  originalETag: string;
  /** Its size when verified: a download never reads past it. */
  originalBytes: number;
}

export interface OverdueUpload {
  id: string;
  userId: string;
  originalKey: string;
  thumbnailKey: string | null;
}

/** A multipart session whose upload is over (no longer PENDING, or expired): its S3 upload must go. */
export interface EndedMultipartSession {
  id: string;
  originalKey: string;
  multipartUploadId: string;
}

/** A claim older than this is taken to belong to a worker that died mid-way. */
const CLAIM_TIMEOUT = '5 minutes';

/**
 * Periodic work over uploads. Every query claims rows with SKIP LOCKED, so several worker
 * tasks can sweep at once without doing the same upload twice.
 */
@Injectable()
export class UploadMaintenanceRepository {
  constructor(private readonly prisma: PrismaService) {}

  /**
   * READY uploads that still have no served thumbnail (the `thumb` rendition): at once when the
   * client asked for none, after `waitSeconds` when it said it would send one. Uploads whose
   * last attempt failed wait out their backoff (see BackgroundFailure).
   */
  claimThumbnailWork(waitSeconds: number, limit: number, minAgeSeconds = 0): Promise<ThumbnailWork[]> {
    return withDb(
      () =>
        this.prisma.$queryRaw<ThumbnailWork[]>`
        UPDATE uploads u SET thumbnail_claimed_at = now()
        FROM images i
        WHERE i.upload_id = u.id AND u.id IN (
          SELECT u2.id FROM uploads u2
          JOIN images i2 ON i2.upload_id = u2.id
          WHERE u2.status = 'READY'
            AND (u2.thumbnail_claimed_at IS NULL OR u2.thumbnail_claimed_at < now() - ${CLAIM_TIMEOUT}::interval)
            AND (u2.thumbnail_key IS NULL OR i2.created_at < now() - make_interval(secs => ${waitSeconds}))
            AND i2.created_at <= now() - make_interval(secs => ${minAgeSeconds})
            AND NOT EXISTS (SELECT 1 FROM renditions r WHERE r.upload_id = u2.id AND r.name = 'thumb')
            AND ${notHeldBack('thumbnail', Prisma.sql`u2.id`)}
          ORDER BY i2.created_at
          LIMIT ${limit}
          FOR UPDATE OF u2 SKIP LOCKED
        )
        RETURNING u.id AS "uploadId", u.user_id AS "userId", i.bucket AS "originalBucket", i.key AS "originalKey",
          i.e_tag AS "originalETag", i.bytes AS "originalBytes"`,
    );
  }

  /** A failed attempt hands its claim back, so the retry is timed by its backoff alone. */
  async releaseThumbnailClaim(uploadId: string): Promise<void> {
    await withDb(
      () => this.prisma.$executeRaw`UPDATE uploads SET thumbnail_claimed_at = NULL WHERE id = ${uploadId}::uuid`,
    );
  }

  /** PENDING uploads whose URLs expired more than `graceSeconds` ago. */
  findOverduePending(graceSeconds: number, limit: number): Promise<OverdueUpload[]> {
    return withDb(
      () =>
        this.prisma.$queryRaw<OverdueUpload[]>`
        SELECT id, user_id AS "userId", original_key AS "originalKey", thumbnail_key AS "thumbnailKey"
        FROM uploads
        WHERE status = 'PENDING' AND expires_at < now() - make_interval(secs => ${graceSeconds})
          AND ${notHeldBack('expiry', Prisma.sql`id`)}
        ORDER BY expires_at
        LIMIT ${limit}`,
    );
  }

  /**
   * Multipart sessions not yet closed whose upload is settled (READY, REJECTED, cancelled or
   * expired) or PENDING past its expiry and `graceSeconds`: no URL signed for them is still valid.
   */
  findEndedMultipartSessions(graceSeconds: number, limit: number): Promise<EndedMultipartSession[]> {
    return withDb(
      () =>
        this.prisma.$queryRaw<EndedMultipartSession[]>`
        SELECT id, original_key AS "originalKey", multipart_upload_id AS "multipartUploadId"
        FROM uploads
        WHERE multipart_upload_id IS NOT NULL AND multipart_closed_at IS NULL
          AND (status <> 'PENDING' OR expires_at < now() - make_interval(secs => ${graceSeconds}))
          AND ${notHeldBack('multipart', Prisma.sql`id`)}
        ORDER BY expires_at
        LIMIT ${limit}`,
    );
  }

  async markMultipartClosed(uploadId: string): Promise<void> {
    await withDb(
      () => this.prisma.$executeRaw`
        UPDATE uploads SET multipart_closed_at = now(), updated_at = now() WHERE id = ${uploadId}::uuid`,
    );
  }

  /** Only a still-PENDING upload expires: a READY verdict that raced the sweep wins. */
  async markExpired(uploadId: string): Promise<boolean> {
    const changed = await withDb(
      () => this.prisma.$executeRaw`
        UPDATE uploads SET status = 'EXPIRED', updated_at = now() WHERE id = ${uploadId}::uuid AND status = 'PENDING'`,
    );
    return changed > 0;
  }
}
