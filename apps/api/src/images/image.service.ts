import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, ApiConfig } from '@lib/config';
import { imageCdnPaths } from '@lib/cdn';
import { renditionPrefix } from '@lib/contracts';
import { ImageCursor, ImageRepository, UploadRepository } from '@lib/database';
import { errors } from '@lib/errors';
import { ObjectStorageRepository } from '@lib/storage';
import type { AuthUser } from '../auth/auth-user';
import { UserKeyService } from '../auth/user-key.service';
import { ImageUrlService } from './image-url.service';
import { ImageDto, ImageListQueryDto, ImagePageDto, toImageDto } from './image.dto';

const DEFAULT_PAGE = 20;

export function encodeCursor(cursor: ImageCursor): string {
  return Buffer.from(`${cursor.createdAt.toISOString()}|${cursor.id}`).toString('base64url');
}

const CURSOR =
  /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z)\|([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/;

/**
 * Only the exact shape encodeCursor writes: an ISO instant that round-trips (so no year 275760
 * or 31 February reaches PostgreSQL) and a UUID, which the database can compare.
 */
export function decodeCursor(value: string): ImageCursor {
  const match = CURSOR.exec(Buffer.from(value, 'base64url').toString('utf8'));
  const date = new Date(match?.[1] ?? '');
  if (!match || Number.isNaN(date.getTime()) || date.toISOString() !== match[1]) {
    throw errors.validationFailed([{ field: 'cursor', message: 'is not a cursor this API issued' }]);
  }
  return { createdAt: date, id: match[2]! };
}

@Injectable()
export class ImageService {
  constructor(
    @Inject(APP_CONFIG) private readonly config: ApiConfig,
    private readonly images: ImageRepository,
    private readonly uploads: UploadRepository,
    private readonly storage: ObjectStorageRepository,
    private readonly urls: ImageUrlService,
    private readonly userKeys: UserKeyService,
  ) {}

  async list(user: AuthUser, query: ImageListQueryDto): Promise<ImagePageDto> {
    const limit = query.limit ?? DEFAULT_PAGE;
    const page = await this.images.listOwned(user.id, limit, query.cursor ? decodeCursor(query.cursor) : undefined);
    const items = await Promise.all(page.items.map(async (image) => toImageDto(image, await this.urls.urlsFor(image))));
    const last = page.items.at(-1);
    return { items, nextCursor: page.hasMore && last ? encodeCursor(last) : null };
  }

  async get(user: AuthUser, id: string): Promise<ImageDto> {
    const image = await this.images.findOwned(user.id, id);
    if (!image) throw errors.notFound('Image', id);
    return toImageDto(image, await this.urls.urlsFor(image));
  }

  /**
   * Objects first, then rows: if the objects cannot be deleted the rows stay and the call
   * can be repeated; the reverse order could leave bytes nobody can find. Deleting what is
   * already gone succeeds, so the call is idempotent (and says nothing about other users).
   * Derived objects go by their prefix, not by the rows (a render in flight may have written
   * one no row names yet), and the prefix is emptied again once the rows are gone: a render
   * that saves after that finds no upload and deletes its own object.
   */
  async delete(user: AuthUser, id: string): Promise<void> {
    const image = await this.images.findOwned(user.id, id);
    if (!image) return;
    const upload = await this.uploads.findById(image.uploadId);
    const userKey = this.userKeys.of(user.id);
    const derived = renditionPrefix(userKey, image.uploadId);
    await this.storage.delete(image.bucket, image.key);
    if (upload?.thumbnailKey) await this.storage.delete(this.config.storage.thumbnailsBucket, upload.thumbnailKey);
    await this.deleteUnder(this.config.storage.thumbnailsBucket, derived);
    await this.images.deleteUpload(
      image.uploadId,
      imageCdnPaths({ userKey, uploadId: image.uploadId, imageId: image.id }),
    );
    await this.deleteUnder(this.config.storage.thumbnailsBucket, derived);
  }

  private async deleteUnder(bucket: string, prefix: string): Promise<void> {
    let token: string | undefined;
    do {
      const page = await this.storage.listKeys(bucket, prefix, token);
      const failed = await this.storage.deleteMany(bucket, page.keys);
      if (failed.length > 0) throw errors.dependencyUnavailable('S3');
      token = page.nextToken;
    } while (token);
  }
}
