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
  idempotencyKey: string | null;
  requestHash: string | null;
  expiresAt: Date;
  createdAt: Date;
}

export type NewUpload = Omit<UploadRecord, 'status' | 'rejectionCode' | 'rejectionDetail' | 'createdAt'>;

@Injectable()
export class UploadRepository {
  // Per-instance write batching: state of the process, not of any request.
  private readonly batchers = new Map<number, GroupCommit<NewUpload, boolean>>();

  constructor(private readonly prisma: PrismaService) {}

  create(upload: NewUpload): Promise<UploadRecord> {
    return withDb(() => this.prisma.upload.create({ data: upload }));
  }

  /**
   * Inserts the upload unless the user already has `maxPending` live PENDING uploads. Calls
   * made in the same event-loop turn share one INSERT (group commit); the cap may then be
   * overshot by the uploads of one user inside one batch, which is a bound, not a leak.
   * Returns false when the cap was reached.
   */
  createWithinCap(upload: NewUpload, maxPending: number): Promise<boolean> {
    // A batch fails as a whole on a unique violation, so keyed requests go on their own.
    if (upload.idempotencyKey) return this.insertBatch([upload], maxPending).then(([ok]) => ok!);
    return this.batcherFor(maxPending).submit(upload);
  }

  private batcherFor(maxPending: number): GroupCommit<NewUpload, boolean> {
    let batcher = this.batchers.get(maxPending);
    if (!batcher) {
      batcher = new GroupCommit((uploads) => this.insertBatch(uploads, maxPending));
      this.batchers.set(maxPending, batcher);
    }
    return batcher;
  }

  private async insertBatch(uploads: NewUpload[], maxPending: number): Promise<boolean[]> {
    const column = <K extends keyof NewUpload>(key: K) => uploads.map((u) => u[key]);
    const inserted = await withDb(
      () => this.prisma.$queryRaw<Array<{ id: string }>>`
        INSERT INTO uploads (id, user_id, filename, content_type, size, checksum_sha256, original_key, thumbnail_key,
          thumbnail_content_type, thumbnail_size, thumbnail_checksum_sha256, idempotency_key, request_hash, expires_at)
        SELECT v.* FROM unnest(
          ${column('id')}::uuid[], ${column('userId')}::text[], ${column('filename')}::text[],
          ${column('contentType')}::text[], ${column('size')}::int[], ${column('checksumSha256')}::text[],
          ${column('originalKey')}::text[], ${column('thumbnailKey')}::text[], ${column('thumbnailContentType')}::text[],
          ${column('thumbnailSize')}::int[], ${column('thumbnailChecksumSha256')}::text[],
          ${column('idempotencyKey')}::text[], ${column('requestHash')}::text[], ${column('expiresAt')}::timestamptz[]
        ) AS v(id, user_id, filename, content_type, size, checksum_sha256, original_key, thumbnail_key,
          thumbnail_content_type, thumbnail_size, thumbnail_checksum_sha256, idempotency_key, request_hash, expires_at)
        WHERE (
          SELECT count(*) FROM uploads u
          WHERE u.user_id = v.user_id AND u.status = 'PENDING' AND u.expires_at > now()
        ) < ${maxPending}
        RETURNING id`,
    );
    const ids = new Set(inserted.map((row) => row.id));
    return uploads.map((u) => ids.has(u.id));
  }

  /** Frees an idempotency key whose 24 h have passed, so the client may reuse it. */
  async releaseIdempotencyKey(id: string): Promise<void> {
    await withDb(() => this.prisma.upload.update({ where: { id }, data: { idempotencyKey: null } }));
  }

  /** Scoped to the owner: another user's upload is indistinguishable from a missing one. */
  findOwned(userId: string, id: string): Promise<UploadRecord | null> {
    return withDb(() => this.prisma.upload.findFirst({ where: { id, userId } }));
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
