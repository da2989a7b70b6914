import { Injectable } from '@nestjs/common';
import type { UploadStatus } from '@lib/contracts';
import { PrismaService } from './prisma.service';
import { GroupCommit } from './group-commit';
import { withDb } from './prisma-error';

export interface UploadRecord {
  id: string;
  userId: string;
  filename: string;
  contentType: string;
  size: number;
  checksumSha256: string | null;
  originalKey: string;
  thumbnailKey: string | null;
  thumbnailContentType: string | null;
  thumbnailSize: number | null;
  thumbnailChecksumSha256: string | null;
  status: UploadStatus;
  rejectionCode: string | null;
  rejectionDetail: string | null;
  /** S3's multipart upload id, its part size and count; null without a multipart session. */
  multipartUploadId: string | null;
  multipartPartSize: number | null;
  multipartPartCount: number | null;
  multipartClosedAt: Date | null;
  idempotencyKey: string | null;
  requestHash: string | null;
  expiresAt: Date;
  createdAt: Date;
}

export type NewUpload = Omit<
  UploadRecord,
  'status' | 'rejectionCode' | 'rejectionDetail' | 'createdAt' | 'multipartClosedAt'
>;

/** What an upload must pass to be stored: its user's erasure hash and the pending cap. */
export interface UploadAdmission {
  userIdHash: string;
  maxPending: number;
}

export type UploadAdmissionOutcome = 'created' | 'capped' | 'erased';

/**
 * The group-committed admission of uploads: one row per entry of the arrays, stored unless its
 * user is being erased ($15, the user's erasure hash) or already has $19 live PENDING uploads.
 * A prepared statement: on this path Prisma's building of the raw query cost more than Postgres.
 */
const ADMIT_UPLOADS = `
  WITH v AS (
    SELECT * FROM unnest(
      $1::uuid[], $2::text[], $3::text[], $4::text[], $5::int[], $6::text[], $7::text[], $8::text[], $9::text[],
      $10::int[], $11::text[], $12::text[], $13::text[], $14::timestamptz[], $15::text[], $16::text[],
      $17::int[], $18::int[]
    ) AS v(id, user_id, filename, content_type, size, checksum_sha256, original_key, thumbnail_key,
      thumbnail_content_type, thumbnail_size, thumbnail_checksum_sha256, idempotency_key, request_hash,
      expires_at, user_id_hash, multipart_upload_id, multipart_part_size, multipart_part_count)
  ), judged AS (
    SELECT v.*,
      EXISTS (SELECT 1 FROM erasure_requests e WHERE e.user_id_hash = v.user_id_hash) AS erased,
      (SELECT count(*) FROM uploads u
        WHERE u.user_id = v.user_id AND u.status = 'PENDING' AND u.expires_at > now()) >= $19::int AS capped
    FROM v
  ), inserted AS (
    INSERT INTO uploads (id, user_id, filename, content_type, size, checksum_sha256, original_key, thumbnail_key,
      thumbnail_content_type, thumbnail_size, thumbnail_checksum_sha256, idempotency_key, request_hash, expires_at,
      multipart_upload_id, multipart_part_size, multipart_part_count)
    SELECT id, user_id, filename, content_type, size, checksum_sha256, original_key, thumbnail_key,
      thumbnail_content_type, thumbnail_size, thumbnail_checksum_sha256, idempotency_key, request_hash, expires_at,
      multipart_upload_id, multipart_part_size, multipart_part_count
    FROM judged WHERE NOT erased AND NOT capped
  )
  SELECT id::text AS id, erased, capped FROM judged`;

interface AdmissionEntry {
  upload: NewUpload;
  userIdHash: string;
}

@Injectable()
export class UploadRepository {
  // Per-instance write batching: state of the process, not of any request.
  private readonly batchers = new Map<number, GroupCommit<AdmissionEntry, UploadAdmissionOutcome>>();

  constructor(private readonly prisma: PrismaService) {}

  /**
   * Inserts the upload unless its user is being erased or already has `maxPending` live
   * PENDING uploads — both checked in the INSERT itself, so issuing an upload costs no extra
   * round trip. Calls made in the same event-loop turn share one statement (group commit); the
   * cap may then be overshot by the uploads of one user inside one batch, which is a bound,
   * not a leak.
   */
  createWithinCap(upload: NewUpload, rules: UploadAdmission): Promise<UploadAdmissionOutcome> {
    const entry = { upload, userIdHash: rules.userIdHash };
    // A batch fails as a whole on a unique violation, so keyed requests go on their own.
    if (upload.idempotencyKey) return this.insertBatch([entry], rules.maxPending).then(([outcome]) => outcome!);
    return this.batcherFor(rules.maxPending).submit(entry);
  }

  private batcherFor(maxPending: number): GroupCommit<AdmissionEntry, UploadAdmissionOutcome> {
    let batcher = this.batchers.get(maxPending);
    if (!batcher) {
      batcher = new GroupCommit((entries) => this.insertBatch(entries, maxPending));
      this.batchers.set(maxPending, batcher);
    }
    return batcher;
  }

  private async insertBatch(entries: AdmissionEntry[], maxPending: number): Promise<UploadAdmissionOutcome[]> {
    const column = <K extends keyof NewUpload>(key: K) => entries.map((e) => e.upload[key]);
    const judged = await withDb(() =>
      this.prisma.prepared<{ id: string; erased: boolean; capped: boolean }>('uploads.admit', ADMIT_UPLOADS, [
        column('id'),
        column('userId'),
        column('filename'),
        column('contentType'),
        column('size'),
        column('checksumSha256'),
        column('originalKey'),
        column('thumbnailKey'),
        column('thumbnailContentType'),
        column('thumbnailSize'),
        column('thumbnailChecksumSha256'),
        column('idempotencyKey'),
        column('requestHash'),
        column('expiresAt'),
        entries.map((e) => e.userIdHash),
        column('multipartUploadId'),
        column('multipartPartSize'),
        column('multipartPartCount'),
        maxPending,
      ]),
    );
    const byId = new Map(judged.map((row) => [row.id, row]));
    return entries.map(({ upload }) => {
      const row = byId.get(upload.id);
      return row?.erased ? 'erased' : row?.capped ? 'capped' : 'created';
    });
  }

  /** Frees an idempotency key whose 24 h have passed, so the client may reuse it. */
  async releaseIdempotencyKey(id: string): Promise<void> {
    await withDb(() => this.prisma.upload.update({ where: { id }, data: { idempotencyKey: null } }));
  }

  /** Scoped to the owner: another user's upload is indistinguishable from a missing one. */
  findOwned(userId: string, id: string): Promise<UploadRecord | null> {
    return withDb(() => this.prisma.upload.findFirst({ where: { id, userId } }));
  }

  /**
   * A cancelled session (the client signed AbortMultipartUpload) is over: it expires at once, so
   * nothing more is signed for it, and the sweep aborts its S3 multipart upload.
   */
  async cancelPending(userId: string, id: string): Promise<boolean> {
    const changed = await withDb(() =>
      this.prisma.upload.updateMany({
        where: { id, userId, status: 'PENDING' },
        data: { status: 'EXPIRED' },
      }),
    );
    return changed.count > 0;
  }

  findById(id: string): Promise<UploadRecord | null> {
    return withDb(() => this.prisma.upload.findUnique({ where: { id } }));
  }

  findByIdempotencyKey(userId: string, idempotencyKey: string): Promise<UploadRecord | null> {
    return withDb(() =>
      this.prisma.upload.findUnique({ where: { userId_idempotencyKey: { userId, idempotencyKey } } }),
    );
  }

  async ping(): Promise<void> {
    await withDb(() => this.prisma.$queryRaw`SELECT 1`);
  }
}
