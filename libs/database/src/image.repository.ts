import { Injectable } from '@nestjs/common';
import { PrismaService } from './prisma.service';
import { withDb } from './prisma-error';

export interface ImageRecord {
  id: string;
  uploadId: string;
  userId: string;
  bucket: string;
  key: string;
  url: string;
  contentType: string;
  bytes: number;
  width: number;
  height: number;
  eTag: string;
  sha256: string | null;
  createdAt: Date;
}

export interface ImageWithThumbnail extends ImageRecord {
  /** Key of a verified thumbnail object, when one exists. */
  thumbnailKey: string | null;
}

@Injectable()
export class ImageRepository {
  constructor(private readonly prisma: PrismaService) {}

  async findByUpload(uploadId: string): Promise<ImageWithThumbnail | null> {
    const image = await withDb(() => this.prisma.image.findUnique({ where: { uploadId } }));
    if (!image) return null;
    return { ...image, thumbnailKey: await this.verifiedThumbnailKey(uploadId) };
  }

  private async verifiedThumbnailKey(uploadId: string): Promise<string | null> {
    const thumbnail = await withDb(() =>
      this.prisma.storedObject.findFirst({
        where: { uploadId, role: 'THUMBNAIL', accepted: true },
        select: { key: true },
      }),
    );
    return thumbnail?.key ?? null;
  }
}
