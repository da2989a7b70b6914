import { Injectable } from '@nestjs/common';
import { Prisma } from './prisma-client';
import { notHeldBack } from './background-failure.repository';
import { PrismaService } from './prisma.service';
import { withDb } from './prisma-error';
import { ClaimedOriginal, claimReadyUploads, releaseReadyUploadClaim } from './ready-upload-claim';

/** A READY upload claimed to make its served thumbnail from the verified original. */
export type ThumbnailWork = ClaimedOriginal;

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

/**
 * Periodic work over uploads. Only the thumbnail query claims rows (SKIP LOCKED and a claim
 * time), so several worker tasks never render the same thumbnail at once. The expiry and
 * multipart queries only read: two tasks may pick the same upload, and what they then do is
 * idempotent (only a still-PENDING upload expires; aborting an aborted upload counts as done).
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
    return claimReadyUploads(this.prisma, {
      pass: 'thumbnail',
      wanted: Prisma.sql`(u2.thumbnail_key IS NULL OR i2.created_at < now() - make_interval(secs => ${waitSeconds}))
        AND NOT EXISTS (SELECT 1 FROM renditions r WHERE r.upload_id = u2.id AND r.name = 'thumb')`,
      limit,
      minAgeSeconds,
    });
  }

  /** A failed attempt hands its claim back, so the retry is timed by its backoff alone. */
  releaseThumbnailClaim(uploadId: string): Promise<void> {
    return releaseReadyUploadClaim(this.prisma, 'thumbnail', uploadId);
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
