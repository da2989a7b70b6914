import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, ApiConfig } from '@lib/config';
import { MultipartPlan, parseObjectKey, partLength } from '@lib/contracts';
import { UploadRecord, UploadRepository } from '@lib/database';
import { errors } from '@lib/errors';
import { ObjectStorageRepository, PresignedRequest, StoredPart, UrlSigner } from '@lib/storage';
import type { AuthUser } from '../auth/auth-user';
import { SignedRequestDto, SignRequestDto } from './upload.dto';

/** The multipart session of an upload, as stored when POST /v1/uploads created it. */
interface Session {
  uploadId: string;
  plan: MultipartPlan;
}

/** "3, 5-9, 12": part numbers for a person to read. */
function ranges(numbers: number[]): string {
  const out: string[] = [];
  for (let i = 0; i < numbers.length; i++) {
    let j = i;
    while (j + 1 < numbers.length && numbers[j + 1] === numbers[j]! + 1) j++;
    out.push(i === j ? String(numbers[i]) : `${numbers[i]}-${numbers[j]}`);
    i = j;
  }
  return out.join(', ');
}

/**
 * POST /v1/uploads/sign: signs one S3 request of an upload the caller owns, found by its object
 * key. The request is what @uppy/aws-s3 hands its `signRequest` hook; every URL is bound to the
 * key, the session's S3 upload id and (for parts) the part number and exact length, and never
 * outlives the upload's expiry.
 */
@Injectable()
export class UploadSigningService {
  constructor(
    @Inject(APP_CONFIG) private readonly config: ApiConfig,
    private readonly uploads: UploadRepository,
    private readonly signer: UrlSigner,
    private readonly storage: ObjectStorageRepository,
  ) {}

  async sign(user: AuthUser, dto: SignRequestDto): Promise<SignedRequestDto> {
    const upload = await this.owned(user, dto.key);
    this.assertOpen(upload);
    const thumbnail = dto.key === upload.thumbnailKey;
    const signed = thumbnail ? await this.signThumbnail(upload, dto) : await this.signOriginal(user, upload, dto);
    return {
      method: signed.method as SignedRequestDto['method'],
      url: signed.url,
      headers: signed.headers,
      key: dto.key,
    };
  }

  /** Another user's key and a key that names no upload answer alike: 404. */
  private async owned(user: AuthUser, key: string): Promise<UploadRecord> {
    const parsed = parseObjectKey(key);
    const upload = parsed ? await this.uploads.findOwned(user.id, parsed.uploadId) : null;
    if (!upload || (upload.originalKey !== key && upload.thumbnailKey !== key)) {
      throw errors.notFound('Upload with key', JSON.stringify(key.slice(0, 200)));
    }
    return upload;
  }

  private assertOpen(upload: UploadRecord): void {
    if (upload.status !== 'PENDING') {
      throw errors.conflict(`Upload ${upload.id} is ${upload.status}: nothing more is signed for it.`);
    }
    if (upload.expiresAt.getTime() <= Date.now()) {
      throw errors.conflict(
        `Upload ${upload.id} expired at ${upload.expiresAt.toISOString()}; start a new one with POST /v1/uploads.`,
      );
    }
  }

  /** Seconds left of the upload's session, capped by `ttlSeconds` and the client's `expiresIn`. */
  private lifetime(upload: UploadRecord, ttlSeconds: number, dto: SignRequestDto): number {
    const remaining = Math.max(1, Math.floor((upload.expiresAt.getTime() - Date.now()) / 1000));
    return Math.min(remaining, ttlSeconds, dto.expiresIn ?? Number.MAX_SAFE_INTEGER);
  }

  private signThumbnail(upload: UploadRecord, dto: SignRequestDto): Promise<PresignedRequest> {
    if (dto.method !== 'PUT' || dto.uploadId !== undefined || dto.partNumber !== undefined) {
      throw errors.validationFailed([
        { field: 'method', message: 'a thumbnail is one PUT: send {method: "PUT", key} only' },
      ]);
    }
    this.assertDeclared(dto, upload.thumbnailContentType!, upload.thumbnailChecksumSha256);
    return this.signer.presignPut({
      bucket: this.config.storage.thumbnailsBucket,
      key: upload.thumbnailKey!,
      contentType: upload.thumbnailContentType!,
      contentLength: upload.thumbnailSize!,
      checksumSha256: upload.thumbnailChecksumSha256 ?? undefined,
      expiresInSeconds: this.lifetime(upload, this.config.uploads.urlTtlSeconds, dto),
    });
  }

  private async signOriginal(user: AuthUser, upload: UploadRecord, dto: SignRequestDto): Promise<PresignedRequest> {
    const bucket = this.config.storage.originalsBucket;
    const partTtl = this.config.uploads.multipart.partUrlTtlSeconds;
    if (dto.uploadId === undefined) {
      if (dto.partNumber !== undefined) {
        throw errors.validationFailed([{ field: 'uploadId', message: 'is required with partNumber (UploadPart)' }]);
      }
      if (dto.method === 'PUT') return this.signPutObject(upload, dto);
      if (dto.method === 'POST') {
        throw errors.conflict(
          'CreateMultipartUpload is not signed: POST /v1/uploads already created the multipart session. ' +
            "Preset the file's Uppy state s3Multipart = { key, uploadId: multipart.uploadId } from its response.",
        );
      }
      throw errors.validationFailed([
        {
          field: 'uploadId',
          message: `is required for ${dto.method} (${dto.method === 'GET' ? 'ListParts' : 'AbortMultipartUpload'}); objects are neither read nor deleted through this route`,
        },
      ]);
    }
    const session = this.session(upload, dto.uploadId);
    if (dto.method === 'PUT') {
      if (dto.partNumber === undefined) {
        throw errors.validationFailed([{ field: 'partNumber', message: 'is required with uploadId (UploadPart)' }]);
      }
      if (dto.partNumber > session.plan.partCount) {
        throw errors.validationFailed([
          { field: 'partNumber', message: `must be from 1 to ${session.plan.partCount} for this session` },
        ]);
      }
      this.assertDeclared(dto, upload.contentType, null, true);
      return this.signer.presignUploadPart({
        bucket,
        key: upload.originalKey,
        uploadId: session.uploadId,
        partNumber: dto.partNumber,
        contentLength: partLength(upload.size, session.plan, dto.partNumber),
        checksumSha256: dto.checksumSha256,
        expiresInSeconds: this.lifetime(upload, partTtl, dto),
      });
    }
    if (dto.partNumber !== undefined) {
      throw errors.validationFailed([
        { field: 'partNumber', message: `is only for PUT (UploadPart), not ${dto.method}` },
      ]);
    }
    if (dto.checksumSha256 !== undefined) {
      throw errors.validationFailed([
        { field: 'checksumSha256', message: `is only for PUT (PutObject, UploadPart), not ${dto.method}` },
      ]);
    }
    this.assertDeclared(dto, upload.contentType, null);
    const expiresInSeconds = this.lifetime(upload, partTtl, dto);
    const request = { bucket, key: upload.originalKey, uploadId: session.uploadId, expiresInSeconds };
    if (dto.method === 'GET') return this.signer.presignSessionRequest('GET', request);
    if (dto.method === 'POST') {
      await this.assertPartsComplete(upload, session);
      return this.signer.presignCompleteMultipart({ ...request, objectSize: upload.size });
    }
    // Cancelled: the upload expires now, so nothing more is signed, and the sweep aborts the S3
    // upload even if the client never sends this DELETE.
    await this.uploads.cancelPending(user.id, upload.id);
    return this.signer.presignSessionRequest('DELETE', request);
  }

  private signPutObject(upload: UploadRecord, dto: SignRequestDto): Promise<PresignedRequest> {
    if (upload.size > this.config.uploads.maxBytes) {
      throw errors.conflict(
        `This original (${upload.size} bytes) is above the single-PUT limit of ${this.config.uploads.maxBytes} bytes: ` +
          'upload it in parts with its multipart session.',
      );
    }
    this.assertDeclared(dto, upload.contentType, upload.checksumSha256);
    return this.signer.presignPut({
      bucket: this.config.storage.originalsBucket,
      key: upload.originalKey,
      contentType: upload.contentType,
      contentLength: upload.size,
      checksumSha256: upload.checksumSha256 ?? undefined,
      expiresInSeconds: this.lifetime(upload, this.config.uploads.urlTtlSeconds, dto),
    });
  }

  /** What the client repeats must be what it declared at POST /v1/uploads; the URL signs the declared values. */
  private assertDeclared(dto: SignRequestDto, contentType: string, checksum: string | null, part = false): void {
    if (dto.contentType !== undefined && dto.contentType !== contentType) {
      throw errors.validationFailed([
        { field: 'contentType', message: `must be the declared type ${contentType} (or left out)` },
      ]);
    }
    if (!part && dto.checksumSha256 !== undefined && dto.checksumSha256 !== checksum) {
      throw errors.validationFailed([
        {
          field: 'checksumSha256',
          message: checksum
            ? 'must be the checksum declared at POST /v1/uploads (or left out)'
            : 'was not declared at POST /v1/uploads; declare it there (or leave it out)',
        },
      ]);
    }
  }

  private session(upload: UploadRecord, uploadId: string): Session {
    const { multipartUploadId, multipartPartSize, multipartPartCount } = upload;
    if (!multipartUploadId || !multipartPartSize || !multipartPartCount) {
      throw errors.validationFailed([
        { field: 'uploadId', message: 'this upload has no multipart session (ask for one with multipart: true)' },
      ]);
    }
    if (uploadId !== multipartUploadId) {
      throw errors.validationFailed([
        { field: 'uploadId', message: "is not this upload's multipart session (multipart.uploadId)" },
      ]);
    }
    return { uploadId: multipartUploadId, plan: { partSize: multipartPartSize, partCount: multipartPartCount } };
  }

  /**
   * Completion must not make an object of another size than declared: the parts S3 holds are
   * listed here first, and each must be there with its exact size (S3 checks the total again
   * through the signed `x-amz-mp-object-size`, and the worker once more).
   */
  private async assertPartsComplete(upload: UploadRecord, session: Session): Promise<void> {
    const parts = await this.storage.listParts(
      this.config.storage.originalsBucket,
      upload.originalKey,
      session.uploadId,
    );
    if (parts === null) {
      throw errors.conflict(
        `The multipart upload of ${upload.id} no longer exists in S3 (completed or aborted); start a new upload.`,
      );
    }
    const byNumber = new Map<number, StoredPart>(parts.map((part) => [part.partNumber, part]));
    const missing: number[] = [];
    const wrong: string[] = [];
    for (let n = 1; n <= session.plan.partCount; n++) {
      const part = byNumber.get(n);
      const expected = partLength(upload.size, session.plan, n);
      if (!part) missing.push(n);
      else if (part.size !== expected) wrong.push(`part ${n} has ${part.size} bytes, not ${expected}`);
    }
    const extra = parts.filter((part) => part.partNumber > session.plan.partCount).map((part) => part.partNumber);
    const total = parts.reduce((sum, part) => sum + part.size, 0);
    if (missing.length === 0 && wrong.length === 0 && extra.length === 0 && total === upload.size) return;
    const problems = [
      missing.length ? `missing part${missing.length > 1 ? 's' : ''} ${ranges(missing)}` : '',
      ...wrong,
      extra.length ? `unexpected part${extra.length > 1 ? 's' : ''} ${ranges(extra)}` : '',
    ].filter(Boolean);
    throw errors.conflict(
      `Not complete: the parts S3 holds add up to ${total} of the declared ${upload.size} bytes ` +
        `(${session.plan.partCount} parts of ${session.plan.partSize}); ${problems.join('; ')}.`,
    );
  }
}
