import { createHash, randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, ApiConfig } from '@lib/config';
import { originalKey, thumbnailKey, userKeyFor } from '@lib/contracts';
import { NewUpload, UploadAdmissionOutcome, UploadRecord, UploadRepository } from '@lib/database';
import { AppError, ErrorCode, errors, FieldError } from '@lib/errors';
import { UrlSigner } from '@lib/storage';
import type { AuthUser } from '../auth/auth-user';
import { RateLimiter } from '../common/rate-limiter';
import { ApiMetrics } from '../observability/api.metrics';
import { ErasureService } from '../erasure/erasure.service';
import { CreateUploadDto, toPresignedRequestDto, UploadSessionDto } from './upload.dto';

export const UPLOAD_RATE_LIMITER = Symbol('UPLOAD_RATE_LIMITER');

const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;

/** The request as the client meant it, independent of JSON key order and whitespace. */
function requestHash(dto: CreateUploadDto): string {
  const canonical = {
    filename: dto.filename,
    contentType: dto.contentType,
    size: dto.size,
    checksumSha256: dto.checksumSha256 ?? null,
    thumbnail: dto.thumbnail
      ? {
          contentType: dto.thumbnail.contentType,
          size: dto.thumbnail.size,
          checksumSha256: dto.thumbnail.checksumSha256 ?? null,
        }
      : null,
  };
  return createHash('sha256').update(JSON.stringify(canonical)).digest('base64url');
}

@Injectable()
export class UploadService {
  constructor(
    @Inject(APP_CONFIG) private readonly config: ApiConfig,
    @Inject(UPLOAD_RATE_LIMITER) private readonly rateLimiter: RateLimiter,
    private readonly uploads: UploadRepository,
    private readonly signer: UrlSigner,
    private readonly metrics: ApiMetrics,
    private readonly erasures: ErasureService,
  ) {}

  async create(user: AuthUser, dto: CreateUploadDto, idempotencyKey?: string): Promise<UploadSessionDto> {
    this.checkSizes(dto);
    const hash = idempotencyKey === undefined ? null : requestHash(dto);
    if (idempotencyKey !== undefined) {
      if (!IDEMPOTENCY_KEY.test(idempotencyKey)) {
        throw errors.validationFailed([
          { field: 'Idempotency-Key', message: 'must be 1-255 printable ASCII characters' },
        ]);
      }
      // A replay returns an existing session without an INSERT, so it checks erasure itself.
      await this.erasures.assertCanUpload(user.id);
      const replay = await this.replay(user, idempotencyKey, hash!);
      if (replay) return replay;
    }
    const decision = this.rateLimiter.consume(user.id);
    if (!decision.allowed) {
      throw errors.rateLimited(
        decision.retryAfterSeconds,
        `At most ${this.config.uploads.ratePerMinute} uploads per minute.`,
      );
    }
    const upload = this.newUpload(user, dto, idempotencyKey ?? null, hash);
    let outcome: UploadAdmissionOutcome;
    try {
      outcome = await this.uploads.createWithinCap(upload, {
        userIdHash: this.erasures.userHash(user.id),
        maxPending: this.config.uploads.maxPendingPerUser,
      });
    } catch (error) {
      // Two requests with the same new key raced; the loser answers with the winner's upload.
      if (error instanceof AppError && error.code === ErrorCode.Conflict && idempotencyKey) {
        const replay = await this.replay(user, idempotencyKey, hash!);
        if (replay) return replay;
      }
      throw error;
    }
    if (outcome === 'erased') throw errors.accountBeingErased();
    if (outcome === 'capped') {
      throw errors.rateLimited(
        this.config.uploads.urlTtlSeconds,
        `You already have ${this.config.uploads.maxPendingPerUser} uploads waiting for their bytes; finish or let them expire first.`,
      );
    }
    this.metrics.uploadsIssued.inc({ thumbnail: dto.thumbnail ? 'yes' : 'no' });
    return this.session(upload);
  }

  /** The same key and body within the TTL answer with the same upload; another body is refused. */
  private async replay(user: AuthUser, key: string, hash: string): Promise<UploadSessionDto | null> {
    const existing = await this.uploads.findByIdempotencyKey(user.id, key);
    if (!existing) return null;
    if (Date.now() - existing.createdAt.getTime() > this.config.uploads.idempotencyTtlSeconds * 1000) {
      await this.uploads.releaseIdempotencyKey(existing.id);
      return null;
    }
    if (existing.requestHash !== hash) throw errors.idempotencyConflict();
    return this.session(existing);
  }

  private newUpload(
    user: AuthUser,
    dto: CreateUploadDto,
    idempotencyKey: string | null,
    hash: string | null,
  ): NewUpload {
    const id = randomUUID();
    const userKey = userKeyFor(this.config.userKeySecret, user.id);
    return {
      id,
      userId: user.id,
      filename: dto.filename,
      contentType: dto.contentType,
      size: dto.size,
      checksumSha256: dto.checksumSha256 ?? null,
      originalKey: originalKey(userKey, id),
      thumbnailKey: dto.thumbnail ? thumbnailKey(userKey, id) : null,
      thumbnailContentType: dto.thumbnail?.contentType ?? null,
      thumbnailSize: dto.thumbnail?.size ?? null,
      thumbnailChecksumSha256: dto.thumbnail?.checksumSha256 ?? null,
      idempotencyKey,
      requestHash: hash,
      expiresAt: new Date(Date.now() + this.config.uploads.urlTtlSeconds * 1000),
    };
  }

  /** Presigned PUTs valid until the upload's own expiry, so a replay never extends it. */
  private async session(upload: NewUpload | UploadRecord): Promise<UploadSessionDto> {
    const expiresIn = Math.max(1, Math.ceil((upload.expiresAt.getTime() - Date.now()) / 1000));
    const { storage } = this.config;
    const original = await this.signer.presignPut({
      bucket: storage.originalsBucket,
      key: upload.originalKey,
      contentType: upload.contentType,
      contentLength: upload.size,
      checksumSha256: upload.checksumSha256 ?? undefined,
      expiresInSeconds: expiresIn,
    });
    const thumbnail =
      upload.thumbnailKey && upload.thumbnailContentType && upload.thumbnailSize
        ? await this.signer.presignPut({
            bucket: storage.thumbnailsBucket,
            key: upload.thumbnailKey,
            contentType: upload.thumbnailContentType,
            contentLength: upload.thumbnailSize,
            checksumSha256: upload.thumbnailChecksumSha256 ?? undefined,
            expiresInSeconds: expiresIn,
          })
        : undefined;
    return {
      uploadId: upload.id,
      expiresAt: upload.expiresAt.toISOString(),
      key: upload.originalKey,
      original: toPresignedRequestDto(original),
      ...(thumbnail ? { thumbnail: toPresignedRequestDto(thumbnail) } : {}),
    };
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
