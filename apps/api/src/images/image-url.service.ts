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
    const thumbnailUrl = image.thumbnailKey ? await this.derivedUrl(image.thumbnailKey, ttl) : null;
    const renditions: Record<string, string | null> = { thumb: thumbnailUrl };
    for (const preset of this.config.storage.renditionPresets) renditions[preset.name] ??= null;
    for (const rendition of image.renditions) renditions[rendition.name] = await this.derivedUrl(rendition.key, ttl);
    return { originalUrl, thumbnailUrl, renditions };
  }

  /** Thumbnails and renditions live in the thumbnails bucket, which the CDN fronts. */
  private async derivedUrl(key: string, ttl: number): Promise<string> {
    const cdn = this.config.storage.cdnBaseUrl;
    return cdn ? `${cdn}/${encodeKey(key)}` : this.signer.presignGet(this.config.storage.thumbnailsBucket, key, ttl);
  }
}
