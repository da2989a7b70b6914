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
