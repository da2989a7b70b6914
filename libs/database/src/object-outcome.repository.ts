import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import type { ObjectRole } from '@lib/contracts';
import { Prisma } from './prisma-client';
import { PrismaService } from './prisma.service';
import { withDb, withDbOrUploadGone } from './prisma-error';

export interface ObjectVerdictBase {
  bucket: string;
  key: string;
  role: ObjectRole;
  uploadId: string | null;
  userId: string | null;
  /** Normalised (left-padded, upper-case) so the database can order it. */
  sequencer: string;
  eTag: string;
  bytes: number;
}

export interface AcceptedObject extends ObjectVerdictBase {
  accepted: true;
  contentType: string;
  width: number;
  height: number;
  /** SHA-256 of the bytes the worker read and decoded, base64 (as `x-amz-checksum-sha256`). */
  sha256: string | null;
}

export interface RejectedObject extends ObjectVerdictBase {
  accepted: false;
  reason: string;
  detail: string;
}

export type ObjectVerdict = AcceptedObject | RejectedObject;

/** `applied`: this event is the newest for its object and its outcome is now stored.
 *  `superseded`: the same or a newer event was already stored, so nothing changed.
 *  `upload-gone`: the verdict names an upload deleted since it was looked up (its owner
 *  deleted the image meanwhile); nothing was stored. */
export type RecordResult = 'applied' | 'superseded' | 'upload-gone';

/**
 * Stores what the worker decided about an S3 object. Idempotency is keyed on the object
 * (bucket + key) and ordered by the S3 sequencer, so redelivered and out-of-order events
 * are harmless: only a strictly newer event changes anything.
 */
@Injectable()
export class ObjectOutcomeRepository {
  constructor(private readonly prisma: PrismaService) {}

  /**
   * One statement, so one round trip and an implicit transaction: the verdict row decides
   * (`stored` is empty when the event is not strictly newer) and the image and upload rows
   * change only when it did.
   */
  async record(verdict: ObjectVerdict): Promise<RecordResult> {
    const v = verdict;
    const contentType = v.accepted ? v.contentType : null;
    const width = v.accepted ? v.width : null;
    const height = v.accepted ? v.height : null;
    const reason = v.accepted ? null : v.reason;
    const stored = Prisma.sql`
      INSERT INTO stored_objects
        (bucket, key, upload_id, role, sequencer, e_tag, bytes, content_type, width, height, accepted, reason, updated_at)
      VALUES
        (${v.bucket}, ${v.key}, ${v.uploadId}::uuid, CAST(${v.role} AS "ObjectRole"), ${v.sequencer}, ${v.eTag},
         ${v.bytes}, ${contentType}, ${width}, ${height}, ${v.accepted}, ${reason}, now())
      ON CONFLICT (bucket, key) DO UPDATE SET
        upload_id = EXCLUDED.upload_id, role = EXCLUDED.role, sequencer = EXCLUDED.sequencer,
        e_tag = EXCLUDED.e_tag, bytes = EXCLUDED.bytes, content_type = EXCLUDED.content_type,
        width = EXCLUDED.width, height = EXCLUDED.height, accepted = EXCLUDED.accepted,
        reason = EXCLUDED.reason, updated_at = now()
      WHERE stored_objects.sequencer < EXCLUDED.sequencer
      RETURNING 1`;
    const effects = v.role === 'ORIGINAL' && v.uploadId ? this.uploadEffects(v, v.uploadId) : Prisma.empty;
    const rows = await withDbOrUploadGone(
      () =>
        this.prisma.$queryRaw<Array<{ changed: number }>>`
        WITH stored AS (${stored}) ${effects}
        SELECT count(*)::int AS changed FROM stored`,
    );
    if (rows === 'upload-gone') return rows;
    return rows[0]?.changed ? 'applied' : 'superseded';
  }

  /** The ETag of the image currently served from this object, if any. */
  async servedETag(bucket: string, key: string): Promise<string | null> {
    const image = await withDb(() =>
      this.prisma.image.findUnique({ where: { bucket_key: { bucket, key } }, select: { eTag: true } }),
    );
    return image?.eTag ?? null;
  }

  /** What an original's verdict does to its image and upload rows, as CTEs gated on `stored`. */
  private uploadEffects(v: ObjectVerdict, uploadId: string): Prisma.Sql {
    if (v.accepted) {
      return Prisma.sql`,
        image AS (
          INSERT INTO images
            (id, upload_id, user_id, bucket, key, sha256, content_type, bytes, width, height, e_tag, sequencer, updated_at)
          SELECT ${randomUUID()}::uuid, ${uploadId}::uuid, ${v.userId}, ${v.bucket}, ${v.key}, ${v.sha256},
            ${v.contentType}, ${v.bytes}, ${v.width}, ${v.height}, ${v.eTag}, ${v.sequencer}, now()
          WHERE EXISTS (SELECT 1 FROM stored)
          ON CONFLICT (bucket, key) DO UPDATE SET
            sha256 = EXCLUDED.sha256, content_type = EXCLUDED.content_type, bytes = EXCLUDED.bytes,
            width = EXCLUDED.width, height = EXCLUDED.height, e_tag = EXCLUDED.e_tag,
            sequencer = EXCLUDED.sequencer, updated_at = now()
        ),
        upload AS (
          UPDATE uploads SET status = 'READY', rejection_code = NULL, rejection_detail = NULL, updated_at = now()
          WHERE id = ${uploadId}::uuid AND EXISTS (SELECT 1 FROM stored)
        )`;
    }
    // A newer object that fails verification replaces a good one: stop serving the old.
    return Prisma.sql`,
      image AS (
        DELETE FROM images WHERE bucket = ${v.bucket} AND key = ${v.key} AND EXISTS (SELECT 1 FROM stored)
      ),
      upload AS (
        UPDATE uploads SET status = 'REJECTED', rejection_code = ${v.reason}, rejection_detail = ${v.detail},
          updated_at = now()
        WHERE id = ${uploadId}::uuid AND EXISTS (SELECT 1 FROM stored)
      )`;
  }
}
