import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, ApiConfig } from '@lib/config';
import type { ImageWithThumbnail } from '@lib/database';
import { encodeKey, UrlSigner } from '@lib/storage';
import type { ImageUrls } from './image.dto';

/** Download URLs: CDN for thumbnails when configured, otherwise short-lived presigned GETs. */
@Injectable()
export class ImageUrlService {
  constructor(
    @Inject(APP_CONFIG) private readonly config: ApiConfig,
    private readonly signer: UrlSigner,
  ) {}

  async urlsFor(image: ImageWithThumbnail): Promise<ImageUrls> {
    const ttl = this.config.storage.downloadUrlTtlSeconds;
    const originalUrl = await this.signer.presignGet(image.bucket, image.key, ttl);
    if (!image.thumbnailKey) return { originalUrl, thumbnailUrl: null };
    const cdn = this.config.storage.cdnBaseUrl;
    const thumbnailUrl = cdn
      ? `${cdn}/${encodeKey(image.thumbnailKey)}`
      : await this.signer.presignGet(this.config.storage.thumbnailsBucket, image.thumbnailKey, ttl);
    return { originalUrl, thumbnailUrl };
  }
}
