import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, ApiConfig } from '@lib/config';
import { originalKey, thumbnailKey } from '@lib/contracts';
import { ImageRepository, UploadRepository } from '@lib/database';
import { errors, FieldError } from '@lib/errors';
import { UrlSigner } from '@lib/storage';
import type { AuthUser } from '../auth/auth-user';
import { ImageUrlService } from '../images/image-url.service';
import {
  CreateUploadDto,
  toImageDto,
  toPresignedRequestDto,
  toUploadStatusDto,
  UploadSessionDto,
  UploadStatusDto,
} from './upload.dto';

@Injectable()
export class UploadService {
  constructor(
    @Inject(APP_CONFIG) private readonly config: ApiConfig,
    private readonly uploads: UploadRepository,
    private readonly images: ImageRepository,
    private readonly signer: UrlSigner,
    private readonly imageUrls: ImageUrlService,
  ) {}

  async create(user: AuthUser, dto: CreateUploadDto): Promise<UploadSessionDto> {
    this.checkSizes(dto);
    const policy = this.config.uploads;
    const uploadId = randomUUID();
    const expiresAt = new Date(Date.now() + policy.urlTtlSeconds * 1000);
    const keys = {
      original: originalKey(user.id, uploadId),
      thumbnail: dto.thumbnail ? thumbnailKey(user.id, uploadId) : null,
    };
    // The row exists before any URL leaves the API: every object S3 accepts is attributable.
    await this.uploads.create({
      id: uploadId,
      userId: user.id,
      filename: dto.filename,
      contentType: dto.contentType,
      size: dto.size,
      checksumSha256: dto.checksumSha256 ?? null,
      originalKey: keys.original,
      thumbnailKey: keys.thumbnail,
      thumbnailContentType: dto.thumbnail?.contentType ?? null,
      thumbnailSize: dto.thumbnail?.size ?? null,
      idempotencyKey: null,
      requestHash: null,
      expiresAt,
    });
    const original = await this.signer.presignPut({
      bucket: this.config.storage.originalsBucket,
      key: keys.original,
      contentType: dto.contentType,
      contentLength: dto.size,
      checksumSha256: dto.checksumSha256,
      expiresInSeconds: policy.urlTtlSeconds,
    });
    const thumbnail =
      dto.thumbnail && keys.thumbnail
        ? await this.signer.presignPut({
            bucket: this.config.storage.thumbnailsBucket,
            key: keys.thumbnail,
            contentType: dto.thumbnail.contentType,
            contentLength: dto.thumbnail.size,
            checksumSha256: dto.thumbnail.checksumSha256,
            expiresInSeconds: policy.urlTtlSeconds,
          })
        : undefined;
    return {
      uploadId,
      expiresAt: expiresAt.toISOString(),
      original: toPresignedRequestDto(original),
      ...(thumbnail ? { thumbnail: toPresignedRequestDto(thumbnail) } : {}),
    };
  }

  async status(user: AuthUser, uploadId: string): Promise<UploadStatusDto> {
    const upload = await this.uploads.findOwned(user.id, uploadId);
    if (!upload) throw errors.notFound('Upload', uploadId);
    const image = upload.status === 'READY' ? await this.images.findByUpload(upload.id) : null;
    return toUploadStatusDto(upload, image ? toImageDto(image, await this.imageUrls.urlsFor(image)) : undefined);
  }

  private checkSizes(dto: CreateUploadDto): void {
    const { maxBytes, maxThumbnailBytes } = this.config.uploads;
    const problems: FieldError[] = [];
    if (dto.size > maxBytes) problems.push({ field: 'size', message: `must be at most ${maxBytes} bytes` });
    if (dto.thumbnail && dto.thumbnail.size > maxThumbnailBytes) {
      problems.push({ field: 'thumbnail.size', message: `must be at most ${maxThumbnailBytes} bytes` });
    }
    if (problems.length > 0) throw errors.validationFailed(problems);
  }
}
