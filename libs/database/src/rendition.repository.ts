import { Injectable } from '@nestjs/common';
import { Prisma } from './prisma-client';
import type { StoredImage } from './image.repository';
import { PrismaService } from './prisma.service';
import { withDb } from './prisma-error';
import { ClaimedOriginal, claimReadyUploads, releaseReadyUploadClaim } from './ready-upload-claim';

export interface RenditionWork extends ClaimedOriginal {
  /** The names among the wanted presets that this upload does not have yet. */
  missing: string[];
}

export interface RenditionRecord extends StoredImage {
  uploadId: string;
  name: string;
  /** The source object version it was made from (see DerivedSource). */
  sourceBucket: string;
  sourceKey: string;
  sourceETag: string;
}

/** The object version a derived image is made from: the verified original, or a client's thumbnail. */
export interface DerivedSource {
  bucket: string;
  key: string;
  eTag: string;
}

/**
 * `saved`: the row now names this object. `source-gone`: the source is no longer accepted at
 * that ETag (replaced, rejected, deleted) or the upload is gone or rejected; nothing was saved.
 * `replacedKey`: another object the row named before (made from another version), now unlinked.
 */
export interface SaveResult {
  result: 'saved' | 'source-gone';
  replacedKey: string | null;
}

/** Upload statuses whose sources may still have derived images (not rejected, not expired). */
const LIVE_UPLOAD = Prisma.sql`('PENDING', 'READY')`;

/**
 * True while a derived row's source is still what it was made from: the source object accepted
 * at that ETag, for this upload, and the upload neither rejected nor expired. `r` is the row.
 */
const SOURCE_STILL_VALID = Prisma.sql`EXISTS (
  SELECT 1 FROM stored_objects s JOIN uploads su ON su.id = s.upload_id
  WHERE s.bucket = r.source_bucket AND s.key = r.source_key AND s.e_tag = r.source_e_tag AND s.accepted
    AND s.upload_id = r.upload_id AND su.status IN ${LIVE_UPLOAD})`;

const RECORD_COLUMNS = Prisma.sql`r.upload_id AS "uploadId", r.name, r.bucket, r.key, r.content_type AS "contentType",
  r.bytes, r.width, r.height, r.source_bucket AS "sourceBucket", r.source_key AS "sourceKey", r.source_e_tag AS "sourceETag"`;

@Injectable()
export class RenditionRepository {
  constructor(private readonly prisma: PrismaService) {}

  /**
   * READY uploads missing any of `names`, claimed with SKIP LOCKED so concurrent worker tasks
   * never render the same upload. A failed render is retried once its claim times out.
   */
  async claimWork(names: string[], limit: number, minAgeSeconds = 0): Promise<RenditionWork[]> {
    if (names.length === 0) return [];
    const rows = await claimReadyUploads<ClaimedOriginal & { have: string[] | null }>(this.prisma, {
      pass: 'renditions',
      wanted: Prisma.sql`(SELECT count(*) FROM renditions r WHERE r.upload_id = u2.id AND r.name = ANY(${names}::text[]))
        < ${names.length}`,
      limit,
      minAgeSeconds,
      returning: Prisma.sql`(SELECT array_agg(r.name) FROM renditions r WHERE r.upload_id = u.id) AS "have"`,
    });
    return rows.map(({ have, ...work }) => ({ ...work, missing: names.filter((n) => !(have ?? []).includes(n)) }));
  }

  /**
   * Saves a derived image only while its source is still accepted at the ETag it was made from:
   * its upload and the source's verdict row are locked FOR SHARE in the same statement, so a
   * verdict on newer bytes, a rejection or a deletion either commits first (and nothing is saved:
   * the caller deletes the object it just wrote) or waits for this row and then drops it. A
   * re-render of the same version writes the same key and row (idempotent).
   */
  async save(record: RenditionRecord): Promise<SaveResult> {
    const r = record;
    const rows = await withDb(
      () =>
        this.prisma.$queryRaw<{ saved: number; previousKey: string | null }[]>`
        WITH owner AS (
          -- The upload first, then the source's verdict row: the order in which deleting an
          -- upload (its row, then by cascade the verdicts) takes them, so the two never deadlock.
          SELECT id FROM uploads WHERE id = ${r.uploadId}::uuid AND status IN ${LIVE_UPLOAD}
          FOR SHARE
        ), source AS (
          SELECT 1 FROM stored_objects s JOIN owner ON owner.id = s.upload_id
          WHERE s.bucket = ${r.sourceBucket} AND s.key = ${r.sourceKey} AND s.e_tag = ${r.sourceETag} AND s.accepted
          FOR SHARE OF s
        ), previous AS (
          SELECT key FROM renditions WHERE upload_id = ${r.uploadId}::uuid AND name = ${r.name}
        ), saved AS (
          INSERT INTO renditions
            (upload_id, name, bucket, key, content_type, bytes, width, height, source_bucket, source_key, source_e_tag)
          SELECT ${r.uploadId}::uuid, ${r.name}, ${r.bucket}, ${r.key}, ${r.contentType}, ${r.bytes}, ${r.width},
            ${r.height}, ${r.sourceBucket}, ${r.sourceKey}, ${r.sourceETag}
          FROM source
          ON CONFLICT (upload_id, name) DO UPDATE SET
            bucket = EXCLUDED.bucket, key = EXCLUDED.key, content_type = EXCLUDED.content_type,
            bytes = EXCLUDED.bytes, width = EXCLUDED.width, height = EXCLUDED.height,
            source_bucket = EXCLUDED.source_bucket, source_key = EXCLUDED.source_key,
            source_e_tag = EXCLUDED.source_e_tag
          RETURNING 1
        ), invalidated AS (
          -- The replaced object's URL may be cached at the edge; it goes with the object.
          INSERT INTO cdn_invalidations (id, path)
          SELECT gen_random_uuid(), '/' || p.key FROM previous p WHERE p.key <> ${r.key} AND EXISTS (SELECT 1 FROM saved)
        )
        SELECT (SELECT count(*) FROM saved)::int AS saved, (SELECT key FROM previous) AS "previousKey"`,
    );
    const row = rows[0];
    if (!row?.saved) return { result: 'source-gone', replacedKey: null };
    return {
      result: 'saved',
      replacedKey: row.previousKey !== null && row.previousKey !== r.key ? row.previousKey : null,
    };
  }

  /** A failed attempt hands its claim back, so the retry is timed by its backoff alone. */
  releaseClaim(uploadId: string): Promise<void> {
    return releaseReadyUploadClaim(this.prisma, 'renditions', uploadId);
  }

  /**
   * Removes derived rows of an upload whose source was rejected or replaced (all of them, `only`
   * those or all `except` those) and returns them, so their objects can be deleted too.
   */
  async takeDerived(uploadId: string, names: { only?: string[]; except?: string[] } = {}): Promise<RenditionRecord[]> {
    const only = names.only ? Prisma.sql`AND name = ANY(${names.only}::text[])` : Prisma.empty;
    const except = names.except ? Prisma.sql`AND NOT (name = ANY(${names.except}::text[]))` : Prisma.empty;
    return this.take(uploadId, Prisma.sql`${only} ${except}`);
  }

  /** Derived rows of an upload whose source is no longer accepted at the ETag they were made from. */
  async listInvalid(uploadId: string): Promise<RenditionRecord[]> {
    return withDb(
      () =>
        this.prisma.$queryRaw<RenditionRecord[]>`
        SELECT ${RECORD_COLUMNS} FROM renditions r WHERE r.upload_id = ${uploadId}::uuid AND NOT ${SOURCE_STILL_VALID}`,
    );
  }

  /** Removes those of `keys` that are still invalid (a row re-made meanwhile from valid bytes stays). */
  async takeInvalid(uploadId: string, keys: string[]): Promise<RenditionRecord[]> {
    return this.take(uploadId, Prisma.sql`AND key = ANY(${keys}::text[]) AND NOT ${SOURCE_STILL_VALID}`);
  }

  private async take(uploadId: string, filter: Prisma.Sql): Promise<RenditionRecord[]> {
    return withDb(
      () =>
        this.prisma.$queryRaw<RenditionRecord[]>`
        WITH unclaimed AS (
          -- What was dropped is made again (from the new bytes) at the next sweep, not after
          -- the old claims time out.
          UPDATE uploads SET renditions_claimed_at = NULL, thumbnail_claimed_at = NULL WHERE id = ${uploadId}::uuid
        ), dropped AS (
          DELETE FROM renditions r WHERE r.upload_id = ${uploadId}::uuid ${filter}
          RETURNING ${RECORD_COLUMNS}
        ), invalidated AS (
          -- The CDN's copy of a dropped object goes with it (the outbox the worker drains; same
          -- statement, so never one without the other).
          INSERT INTO cdn_invalidations (id, path) SELECT gen_random_uuid(), '/' || key FROM dropped
        )
        SELECT * FROM dropped`,
    );
  }

  async listForUpload(uploadId: string): Promise<RenditionRecord[]> {
    return withDb(() => this.prisma.rendition.findMany({ where: { uploadId }, orderBy: { name: 'asc' } }));
  }
}
