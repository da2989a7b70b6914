import { createHash, randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, ApiConfig } from '@lib/config';
import { multipartPlan, originalKey, thumbnailKey } from '@lib/contracts';
import { NewUpload, UploadAdmissionOutcome, UploadRecord, UploadRepository } from '@lib/database';
import { AppError, ErrorCode, errors, FieldError } from '@lib/errors';
import { ObjectStorageRepository, UrlSigner } from '@lib/storage';
import type { AuthUser } from '../auth/auth-user';
import { UserKeyService } from '../auth/user-key.service';
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
    // Only when sent, so the hashes of requests from before the field existed stay the same.
    ...(dto.multipart === undefined ? {} : { multipart: dto.multipart }),
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
    private readonly storage: ObjectStorageRepository,
    private readonly metrics: ApiMetrics,
    private readonly erasures: ErasureService,
    private readonly userKeys: UserKeyService,
  ) {}

  async create(user: AuthUser, dto: CreateUploadDto, idempotencyKey?: string): Promise<UploadSessionDto> {
    const multipart = this.offersMultipart(dto);
    this.checkSizes(dto, multipart);
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
    if (multipart) await this.startMultipart(upload);
    let outcome: UploadAdmissionOutcome;
    try {
      outcome = await this.uploads.createWithinCap(upload, {
        userIdHash: this.erasures.userHash(user.id),
        maxPending: this.config.uploads.maxPendingPerUser,
      });
    } catch (error) {
      await this.abandonMultipart(upload);
      // Two requests with the same new key raced; the loser answers with the winner's upload.
      if (error instanceof AppError && error.code === ErrorCode.Conflict && idempotencyKey) {
        const replay = await this.replay(user, idempotencyKey, hash!);
        if (replay) return replay;
      }
      throw error;
    }
    if (outcome !== 'created') await this.abandonMultipart(upload);
    if (outcome === 'erased') throw errors.accountBeingErased();
    if (outcome === 'capped') {
      throw errors.rateLimited(
        this.config.uploads.urlTtlSeconds,
        `You already have ${this.config.uploads.maxPendingPerUser} uploads waiting for their bytes; finish or let them expire first.`,
      );
    }
    this.metrics.uploadsIssued.inc({ thumbnail: dto.thumbnail ? 'yes' : 'no', multipart: multipart ? 'yes' : 'no' });
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
    const userKey = this.userKeys.of(user.id);
    const ttlSeconds = this.offersMultipart(dto)
      ? this.config.uploads.multipart.sessionTtlSeconds
      : this.config.uploads.urlTtlSeconds;
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
      multipartUploadId: null,
      multipartPartSize: null,
      multipartPartCount: null,
      idempotencyKey,
      requestHash: hash,
      expiresAt: new Date(Date.now() + ttlSeconds * 1000),
    };
  }

  /**
   * Asked for, or (left to the API) above the threshold. A client that refuses one
   * (`multipart: false`) keeps the single PUT and its size limit.
   */
  private offersMultipart(dto: CreateUploadDto): boolean {
    return dto.multipart ?? dto.size > this.config.uploads.multipart.thresholdBytes;
  }

  /** The S3 multipart upload is the server's (key, Content-Type); the client only signs its requests. */
  private async startMultipart(upload: NewUpload): Promise<void> {
    const plan = multipartPlan(upload.size, this.config.uploads.multipart.partSizeBytes);
    upload.multipartUploadId = await this.storage.createMultipartUpload(
      this.config.storage.originalsBucket,
      upload.originalKey,
      upload.contentType,
    );
    upload.multipartPartSize = plan.partSize;
    upload.multipartPartCount = plan.partCount;
  }

  /** A session that was not stored is aborted at once (the bucket's lifecycle rule is the backstop). */
  private async abandonMultipart(upload: NewUpload): Promise<void> {
    if (!upload.multipartUploadId) return;
    await this.storage
      .abortMultipartUpload(this.config.storage.originalsBucket, upload.originalKey, upload.multipartUploadId)
      .catch(() => undefined);
  }

  /**
   * Presigned PUTs valid until the upload's own expiry (and never longer than UPLOAD_URL_TTL_SECONDS),
   * so a replay never extends it.
   */
  private async session(upload: NewUpload | UploadRecord): Promise<UploadSessionDto> {
    const remaining = Math.max(1, Math.ceil((upload.expiresAt.getTime() - Date.now()) / 1000));
    const expiresIn = Math.min(remaining, this.config.uploads.urlTtlSeconds);
    const { storage } = this.config;
    const put = (bucket: string, key: string, contentType: string, size: number, checksum: string | null) =>
      this.signer.presignPut({
        bucket,
        key,
        contentType,
        contentLength: size,
        checksumSha256: checksum ?? undefined,
        expiresInSeconds: expiresIn,
      });
    const original =
      upload.size <= this.config.uploads.maxBytes
        ? await put(storage.originalsBucket, upload.originalKey, upload.contentType, upload.size, upload.checksumSha256)
        : undefined;
    const thumbnail =
      upload.thumbnailKey && upload.thumbnailContentType && upload.thumbnailSize
        ? await put(
            storage.thumbnailsBucket,
            upload.thumbnailKey,
            upload.thumbnailContentType,
            upload.thumbnailSize,
            upload.thumbnailChecksumSha256,
          )
        : undefined;
    const { multipartUploadId, multipartPartSize, multipartPartCount } = upload;
    return {
      uploadId: upload.id,
      expiresAt: upload.expiresAt.toISOString(),
      key: upload.originalKey,
      ...(original ? { original: toPresignedRequestDto(original) } : {}),
      ...(thumbnail ? { thumbnail: toPresignedRequestDto(thumbnail) } : {}),
      ...(multipartUploadId && multipartPartSize && multipartPartCount
        ? {
            multipart: {
              key: upload.originalKey,
              uploadId: multipartUploadId,
              partSize: multipartPartSize,
              partCount: multipartPartCount,
              expiresAt: upload.expiresAt.toISOString(),
            },
          }
        : {}),
    };
  }

  /**
   * Above UPLOAD_MAX_BYTES only a client that asked for multipart gets a session: one that did not
   * may not know the protocol, and gets the 400 it always got rather than a session without
   * `original`.
   */
  private checkSizes(dto: CreateUploadDto, multipart: boolean): void {
    const { maxThumbnailBytes } = this.config.uploads;
    const asked = dto.multipart === true;
    const maxBytes = asked ? this.config.uploads.multipart.maxBytes : this.config.uploads.maxBytes;
    const problems: FieldError[] = [];
    if (dto.size > maxBytes) {
      problems.push({
        field: 'size',
        message: asked
          ? `must be at most ${maxBytes} bytes (multipart)`
          : multipart
            ? `must be at most ${maxBytes} bytes for a single PUT; send multipart: true for up to ${this.config.uploads.multipart.maxBytes} bytes in parts`
            : `must be at most ${maxBytes} bytes for a single PUT`,
      });
    }
    if (dto.thumbnail && dto.thumbnail.size > maxThumbnailBytes) {
      problems.push({ field: 'thumbnail.size', message: `must be at most ${maxThumbnailBytes} bytes` });
    }
    if (problems.length > 0) throw errors.validationFailed(problems);
  }
}
