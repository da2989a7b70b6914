import { Injectable } from '@nestjs/common';
import type { UploadStatus } from '@lib/contracts';
import { PrismaService } from './prisma.service';
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
  constructor(private readonly prisma: PrismaService) {}

  create(upload: NewUpload): Promise<UploadRecord> {
    return withDb(() => this.prisma.upload.create({ data: upload }));
  }

  /**
   * Inserts the upload unless the user already has `maxPending` live PENDING uploads, in one
   * round trip. Returns false when the cap was reached.
   */
  async createWithinCap(u: NewUpload, maxPending: number): Promise<boolean> {
    const inserted = await withDb(
      () => this.prisma.$executeRaw`
        INSERT INTO uploads (id, user_id, filename, content_type, size, checksum_sha256, original_key, thumbnail_key,
          thumbnail_content_type, thumbnail_size, idempotency_key, request_hash, expires_at)
        SELECT ${u.id}::uuid, ${u.userId}, ${u.filename}, ${u.contentType}, ${u.size}, ${u.checksumSha256},
          ${u.originalKey}, ${u.thumbnailKey}, ${u.thumbnailContentType}, ${u.thumbnailSize}, ${u.idempotencyKey},
          ${u.requestHash}, ${u.expiresAt}
        WHERE (
          SELECT count(*) FROM uploads
          WHERE user_id = ${u.userId} AND status = 'PENDING' AND expires_at > now()
        ) < ${maxPending}`,
    );
    return inserted === 1;
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
