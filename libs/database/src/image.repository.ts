import { Injectable } from '@nestjs/common';
import { THUMBNAIL_RENDITION } from '@lib/contracts';
import { invalidationRows } from './cdn-invalidation.repository';
import { PrismaService } from './prisma.service';
import { withDb } from './prisma-error';

/** An image object in a bucket, as the worker verified or made it. */
export interface StoredImage {
  bucket: string;
  key: string;
  contentType: string;
  bytes: number;
  width: number;
  height: number;
}

export interface ImageRecord extends StoredImage {
  id: string;
  uploadId: string;
  userId: string;
  eTag: string;
  /** SHA-256 of the verified original, base64; null for images stored before it was kept. */
  sha256: string | null;
  createdAt: Date;
}

export interface ImageWithThumbnail extends ImageRecord {
  /** Key of the served thumbnail (the `thumb` rendition), when one exists. */
  thumbnailKey: string | null;
  /** Pre-made standard sizes made so far (the thumbnail is not among them). */
  renditions: { name: string; bucket: string; key: string }[];
}

/** Position in the newest-first order: (createdAt, id) is unique, so pages never skip or repeat. */
export interface ImageCursor {
  createdAt: Date;
  id: string;
}

@Injectable()
export class ImageRepository {
  constructor(private readonly prisma: PrismaService) {}

  async findByUpload(uploadId: string): Promise<ImageWithThumbnail | null> {
    const image = await withDb(() => this.prisma.image.findUnique({ where: { uploadId } }));
    return image ? (await this.withThumbnails([image]))[0]! : null;
  }

  /** Scoped to the owner: another user's image is indistinguishable from a missing one. */
  async findOwned(userId: string, id: string): Promise<ImageWithThumbnail | null> {
    const image = await withDb(() => this.prisma.image.findFirst({ where: { id, userId } }));
    return image ? (await this.withThumbnails([image]))[0]! : null;
  }

  /** The image of a READY upload, whoever owns it (the render route checks the owner itself). */
  async findReady(id: string): Promise<ImageRecord | null> {
    return withDb(() => this.prisma.image.findFirst({ where: { id, upload: { status: 'READY' } } }));
  }

  /** Newest first; `limit + 1` rows are read to know whether another page exists. */
  async listOwned(
    userId: string,
    limit: number,
    after?: ImageCursor,
  ): Promise<{ items: ImageWithThumbnail[]; hasMore: boolean }> {
    const rows = await withDb(() =>
      this.prisma.image.findMany({
        where: {
          userId,
          ...(after
            ? { OR: [{ createdAt: { lt: after.createdAt } }, { createdAt: after.createdAt, id: { lt: after.id } }] }
            : {}),
        },
        orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
        take: limit + 1,
      }),
    );
    return { items: await this.withThumbnails(rows.slice(0, limit)), hasMore: rows.length > limit };
  }

  /**
   * Removes the upload and, by cascade, its image and object records; in the same transaction
   * queues the CDN paths that may still hold copies, so the delete and its invalidation commit
   * together.
   */
  async deleteUpload(uploadId: string, cdnPaths: string[] = []): Promise<void> {
    await withDb(() =>
      this.prisma.$transaction([
        this.prisma.cdnInvalidation.createMany({ data: invalidationRows(cdnPaths) }),
        this.prisma.upload.deleteMany({ where: { id: uploadId } }),
      ]),
    );
  }

  private async withThumbnails(images: ImageRecord[]): Promise<ImageWithThumbnail[]> {
    if (images.length === 0) return [];
    // The served thumbnail is the worker's re-encoded `thumb` rendition, never the bytes a
    // client uploaded (those may carry EXIF and GPS).
    const derived = await withDb(() =>
      this.prisma.rendition.findMany({
        where: { uploadId: { in: images.map((i) => i.uploadId) } },
        select: { uploadId: true, name: true, bucket: true, key: true },
      }),
    );
    return images.map((image) => {
      const own = derived.filter((r) => r.uploadId === image.uploadId);
      return {
        ...image,
        thumbnailKey: own.find((r) => r.name === THUMBNAIL_RENDITION)?.key ?? null,
        renditions: own
          .filter((r) => r.name !== THUMBNAIL_RENDITION)
          .map(({ name, bucket, key }) => ({ name, bucket, key })),
      };
    });
  }
}
