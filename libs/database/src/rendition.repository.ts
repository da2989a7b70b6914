import { Injectable } from '@nestjs/common';
import { Prisma } from '../../../generated/prisma/client';
import { notHeldBack } from './background-failure.repository';
import { PrismaService } from './prisma.service';
import { withDb, withDbOrUploadGone } from './prisma-error';

export interface RenditionWork {
  uploadId: string;
  userId: string;
  originalBucket: string;
  originalKey: string;
  /** The verified version of the original: renditions are made from exactly these bytes. */
  originalETag: string;
  /** Its size when verified: a download never reads past it. */
  originalBytes: number;
  /** The names among the wanted presets that this upload does not have yet. */
  missing: string[];
}

export interface RenditionRecord {
  uploadId: string;
  name: string;
  bucket: string;
  key: string;
  contentType: string;
  bytes: number;
  width: number;
  height: number;
}

/** A claim older than this is taken to belong to a worker that died mid-way. */
const CLAIM_TIMEOUT = '5 minutes';

@Injectable()
export class RenditionRepository {
  constructor(private readonly prisma: PrismaService) {}

  /**
   * READY uploads missing any of `names`, claimed with SKIP LOCKED so concurrent worker tasks
   * never render the same upload. A failed render is retried once its claim times out.
   */
  async claimWork(names: string[], limit: number, minAgeSeconds = 0): Promise<RenditionWork[]> {
    if (names.length === 0) return [];
    const rows = await withDb(
      () =>
        this.prisma.$queryRaw<(Omit<RenditionWork, 'missing'> & { have: string[] | null })[]>`
        UPDATE uploads u SET renditions_claimed_at = now()
        FROM images i
        WHERE i.upload_id = u.id AND u.id IN (
          SELECT u2.id FROM uploads u2
          JOIN images i2 ON i2.upload_id = u2.id
          WHERE u2.status = 'READY'
            AND (u2.renditions_claimed_at IS NULL OR u2.renditions_claimed_at < now() - ${CLAIM_TIMEOUT}::interval)
            AND i2.created_at <= now() - make_interval(secs => ${minAgeSeconds})
            AND (SELECT count(*) FROM renditions r WHERE r.upload_id = u2.id AND r.name = ANY(${names}::text[]))
              < ${names.length}
            AND ${notHeldBack('renditions', Prisma.sql`u2.id`)}
          ORDER BY i2.created_at
          LIMIT ${limit}
          FOR UPDATE OF u2 SKIP LOCKED
        )
        RETURNING u.id AS "uploadId", u.user_id AS "userId", i.bucket AS "originalBucket", i.key AS "originalKey",
          i.e_tag AS "originalETag", i.bytes AS "originalBytes", (SELECT array_agg(r.name) FROM renditions r WHERE r.upload_id = u.id) AS "have"`,
    );
    return rows.map(({ have, ...work }) => ({ ...work, missing: names.filter((n) => !(have ?? []).includes(n)) }));
  }

  /**
   * Idempotent: a re-render after a lost claim overwrites the same key and row. `upload-gone`:
   * the upload was deleted (its owner removed the image) while this was rendered; nothing saved.
   */
  async save(record: RenditionRecord): Promise<'saved' | 'upload-gone'> {
    const { uploadId, name, ...rest } = record;
    const saved = await withDbOrUploadGone(() =>
      this.prisma.rendition.upsert({
        where: { uploadId_name: { uploadId, name } },
        create: record,
        update: rest,
      }),
    );
    return saved === 'upload-gone' ? saved : 'saved';
  }

  /** A failed attempt hands its claim back, so the retry is timed by its backoff alone. */
  async releaseClaim(uploadId: string): Promise<void> {
    await withDb(
      () => this.prisma.$executeRaw`UPDATE uploads SET renditions_claimed_at = NULL WHERE id = ${uploadId}::uuid`,
    );
  }

  /**
   * Removes derived rows of an upload whose source was rejected or replaced (all of them, `only`
   * those or all `except` those) and returns them, so their objects can be deleted too.
   */
  async takeDerived(uploadId: string, names: { only?: string[]; except?: string[] } = {}): Promise<RenditionRecord[]> {
    const only = names.only ? Prisma.sql`AND name = ANY(${names.only}::text[])` : Prisma.empty;
    const except = names.except ? Prisma.sql`AND NOT (name = ANY(${names.except}::text[]))` : Prisma.empty;
    return withDb(
      () =>
        this.prisma.$queryRaw<RenditionRecord[]>`
        WITH unclaimed AS (
          -- What was dropped is made again (from the new bytes) at the next sweep, not after
          -- the old claims time out.
          UPDATE uploads SET renditions_claimed_at = NULL, thumbnail_claimed_at = NULL WHERE id = ${uploadId}::uuid
        ), dropped AS (
          DELETE FROM renditions WHERE upload_id = ${uploadId}::uuid ${only} ${except}
          RETURNING upload_id AS "uploadId", name, bucket, key, content_type AS "contentType", bytes, width, height
        ), invalidated AS (
          -- The next derived image takes the same key, so the CDN's copy of the dropped one must
          -- go with it (the outbox the worker drains; same statement, so never one without the other).
          INSERT INTO cdn_invalidations (id, path) SELECT gen_random_uuid(), '/' || key FROM dropped
        )
        SELECT * FROM dropped`,
    );
  }

  async listForUpload(uploadId: string): Promise<RenditionRecord[]> {
    return withDb(() => this.prisma.rendition.findMany({ where: { uploadId }, orderBy: { name: 'asc' } }));
  }
}
