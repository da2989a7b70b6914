import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsBoolean, IsIn, IsInt, IsObject, IsString, Length, Matches, Max, Min, ValidateNested } from 'class-validator';
import {
  ALLOWED_IMAGE_TYPES,
  ALLOWED_THUMBNAIL_TYPES,
  RejectionReason,
  UPLOAD_STATUSES,
  UploadStatus,
} from '@lib/contracts';
import type { UploadRecord } from '@lib/database';
import type { PresignedRequest } from '@lib/storage';
import { ImageDto } from '../images/image.dto';
import { IsOmittable } from '../common/validation.decorators';

// Base64 of exactly 32 bytes: 43 characters and one '=' of padding.
const SHA256_BASE64 = /^[A-Za-z0-9+/]{42}[AEIMQUYcgkosw048]=$/;
/**
 * Filenames are metadata only (never part of a key), but are shown back in UIs and logs. None of
 * the Unicode "other" category may appear: C0/C1 controls (Cc), invisible format characters such
 * as bidi overrides U+202E, zero-width joiners and BOMs (Cf), lone surrogates (Cs), private-use
 * (Co) and unassigned code points (Cn); nor line and paragraph separators (Zl, Zp).
 */
export const PRINTABLE_TEXT = /^[^\p{C}\p{Zl}\p{Zp}]*$/u;

/** One declared object: its type on an allow-list, its exact size, optionally its checksum. */
function ObjectTypeField(allowed: readonly string[], example: string) {
  return applyDecorators(
    ApiProperty({ enum: allowed, example }),
    IsIn(allowed, { message: `must be one of ${allowed.join(', ')}` }),
  );
}

function ByteSizeField(example: number) {
  return applyDecorators(
    ApiProperty({ example, description: 'Exact size in bytes; the signature binds it.' }),
    IsInt({ message: 'must be an integer number of bytes' }),
    Min(1, { message: 'must be at least 1 byte' }),
  );
}

function ChecksumField() {
  return applyDecorators(
    ApiPropertyOptional({
      description:
        'Base64 SHA-256 of the whole object. A single PUT is signed with it, so S3 refuses any other body; ' +
        'the worker checks it again on every object, multipart ones included (REJECTED `checksum-mismatch`).',
    }),
    IsOmittable(),
    Matches(SHA256_BASE64, { message: 'must be the base64 encoding of a 32-byte SHA-256 digest' }),
  );
}

const THUMBNAIL_FIELDS = new Set(['contentType', 'size', 'checksumSha256']);
const UPLOAD_FIELDS = new Set(['filename', 'contentType', 'size', 'checksumSha256', 'thumbnail', 'multipart']);
// class-validator's Length does not count these selectors; the fast path leaves them to it.
const VARIATION_SELECTOR = /[\uFE0E\uFE0F]/;

/** A JSON object (as the body parser makes them) with no key outside `allowed`. */
function plainObjectWithin(value: unknown, allowed: ReadonlySet<string>): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Object.getPrototypeOf(value) !== Object.prototype) return false;
  for (const key in value) if (!allowed.has(key)) return false;
  return true;
}

function byteSizeAccepted(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 1;
}

function checksumAccepted(value: unknown): boolean {
  return value === undefined || (typeof value === 'string' && SHA256_BASE64.test(value));
}

export class ThumbnailRequestDto {
  @ObjectTypeField(ALLOWED_THUMBNAIL_TYPES, 'image/webp')
  contentType!: string;

  @ByteSizeField(18_234)
  size!: number;

  @ChecksumField()
  checksumSha256?: string;
}

export class CreateUploadDto {
  @ApiProperty({ example: 'holiday.jpg', minLength: 1, maxLength: 255 })
  @IsString()
  @Length(1, 255, { message: 'must be 1 to 255 characters' })
  @Matches(PRINTABLE_TEXT, {
    message: 'must not contain control, format (such as bidi overrides), surrogate or unassigned characters',
  })
  filename!: string;

  @ObjectTypeField(ALLOWED_IMAGE_TYPES, 'image/jpeg')
  contentType!: string;

  @ByteSizeField(2_483_201)
  size!: number;

  @ChecksumField()
  checksumSha256?: string;

  /**
   * The validation pipe's fast path (see createValidationPipe): this DTO built from a body that
   * surely passes every decorator above, or undefined for anything else — which then takes the
   * class-validator path, so every refusal and its messages stay class-validator's. A spec
   * checks that whatever this accepts, the full path accepts and builds the same.
   */
  static acceptWithoutValidator(body: unknown): CreateUploadDto | undefined {
    if (!plainObjectWithin(body, UPLOAD_FIELDS)) return undefined;
    const { filename, contentType, size, checksumSha256, thumbnail, multipart } = body;
    if (
      typeof filename !== 'string' ||
      filename.length < 1 ||
      filename.length > 255 ||
      !PRINTABLE_TEXT.test(filename) ||
      VARIATION_SELECTOR.test(filename) ||
      !(ALLOWED_IMAGE_TYPES as readonly unknown[]).includes(contentType) ||
      !byteSizeAccepted(size) ||
      !checksumAccepted(checksumSha256) ||
      (multipart !== undefined && typeof multipart !== 'boolean')
    ) {
      return undefined;
    }
    const dto = Object.assign(new CreateUploadDto(), body);
    if (thumbnail === undefined) return dto;
    if (
      !plainObjectWithin(thumbnail, THUMBNAIL_FIELDS) ||
      !(ALLOWED_THUMBNAIL_TYPES as readonly unknown[]).includes(thumbnail.contentType) ||
      !byteSizeAccepted(thumbnail.size) ||
      !checksumAccepted(thumbnail.checksumSha256)
    ) {
      return undefined;
    }
    dto.thumbnail = Object.assign(new ThumbnailRequestDto(), thumbnail);
    return dto;
  }

  @ApiPropertyOptional({ type: ThumbnailRequestDto, description: 'Ask for a second URL for a client-made thumbnail.' })
  @IsOmittable()
  @IsObject({ message: 'must be an object' })
  @ValidateNested()
  @Type(() => ThumbnailRequestDto)
  thumbnail?: ThumbnailRequestDto;

  @ApiPropertyOptional({
    description:
      'Ask for a multipart session (true), or refuse one (false). Left out: one is offered (next to ' +
      '`original`) when `size` is above MULTIPART_THRESHOLD_BYTES (default 16 MiB). A size above UPLOAD_MAX_BYTES ' +
      '(default 25 MiB, the single-PUT limit) needs `multipart: true`, up to MULTIPART_MAX_BYTES (default 200 MiB).',
    example: true,
  })
  @IsOmittable()
  @IsBoolean({ message: 'must be a boolean' })
  multipart?: boolean;
}

export class PresignedRequestDto {
  @ApiProperty({ enum: ['PUT'] }) method!: 'PUT';
  @ApiProperty() url!: string;
  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'string' },
    description:
      'Set exactly these headers on the PUT: Content-Type, the checksum when one was declared, and ' +
      '`If-None-Match: *`, which makes the URL single-use (a second PUT to the key gets 412). ' +
      'Content-Length is signed too but not listed: every HTTP client sends it from the body.',
  })
  headers!: Record<string, string>;
}

export class MultipartSessionDto {
  @ApiProperty({
    description:
      "The original's object key again (the upload's `key`), so that this object as it is can be Uppy's " +
      '`s3Multipart` state `{ key, uploadId }`: set on the file before Uppy uploads it, Uppy resumes this session.',
    example: 'originals/5f0c8c3e9a1b4d2e8f7a6b5c4d3e2f1a/1b4e28ba-2fa1-41d2-883f-0016d3cca427',
  })
  key!: string;

  @ApiProperty({
    description:
      "S3's multipart upload id (not the API's `uploadId`). With `key` it is Uppy's `s3Multipart` state " +
      '`{ key, uploadId }`; send it in every POST /v1/uploads/sign request for this session.',
    example: 'VXBsb2FkIElEIGZvciA2aWWpbmcncyBteS1tb3ZpZS5tMnRzIHVwbG9hZA',
  })
  uploadId!: string;

  @ApiProperty({
    description:
      'Every part but the last has exactly this many bytes; the last has the rest. ' +
      'partSize = max(MULTIPART_PART_SIZE_BYTES, ceil(size / 10000)), at least 5 MiB.',
    example: 8_388_608,
  })
  partSize!: number;

  @ApiProperty({
    description: 'ceil(size / partSize): parts are numbered 1 to partCount (at most 10,000).',
    example: 25,
  })
  partCount!: number;

  @ApiProperty({
    format: 'date-time',
    description: 'The session ends then: nothing more is signed, and the sweep aborts it if it was not completed.',
  })
  expiresAt!: string;
}

export class UploadSessionDto {
  @ApiProperty({ format: 'uuid' }) uploadId!: string;
  @ApiProperty({ format: 'date-time' }) expiresAt!: string;

  @ApiProperty({
    description: "The original's object key (server-made). POST /v1/uploads/sign finds the upload by it.",
    example: 'originals/5f0c8c3e9a1b4d2e8f7a6b5c4d3e2f1a/1b4e28ba-2fa1-41d2-883f-0016d3cca427',
  })
  key!: string;

  @ApiPropertyOptional({
    type: PresignedRequestDto,
    description:
      'A single PUT of the whole original; present whenever `size` is at most UPLOAD_MAX_BYTES, so always ' +
      'unless `multipart: true` was sent (also next to `multipart`: use one or the other).',
  })
  original?: PresignedRequestDto;

  @ApiPropertyOptional({ type: PresignedRequestDto }) thumbnail?: PresignedRequestDto;

  @ApiPropertyOptional({
    type: MultipartSessionDto,
    description:
      'Present when a multipart session was asked for (`multipart: true`), or `multipart` was left out and ' +
      '`size` is above MULTIPART_THRESHOLD_BYTES. The API already created the S3 multipart upload; sign each S3 request ' +
      'with POST /v1/uploads/sign.',
  })
  multipart?: MultipartSessionDto;
}

export const SIGNABLE_METHODS = ['PUT', 'GET', 'POST', 'DELETE'] as const;
export type SignableMethod = (typeof SIGNABLE_METHODS)[number];

/**
 * Exactly the request @uppy/aws-s3 (6.x) hands its `signRequest` hook, so an adapter can post it
 * unchanged. Which S3 call is signed follows from the fields present:
 * PUT {key} PutObject · PUT {key, uploadId, partNumber} UploadPart · GET {key, uploadId} ListParts ·
 * POST {key, uploadId} CompleteMultipartUpload · DELETE {key, uploadId} AbortMultipartUpload.
 */
export class SignRequestDto {
  @ApiProperty({ enum: SIGNABLE_METHODS, example: 'PUT' })
  @IsIn(SIGNABLE_METHODS, { message: `must be one of ${SIGNABLE_METHODS.join(', ')}` })
  method!: SignableMethod;

  @ApiProperty({
    description: "The object key from POST /v1/uploads (`key`, or the thumbnail's).",
    example: 'originals/5f0c8c3e9a1b4d2e8f7a6b5c4d3e2f1a/1b4e28ba-2fa1-41d2-883f-0016d3cca427',
    maxLength: 1024,
  })
  @IsString({ message: 'must be a string' })
  @Length(1, 1024, { message: 'must be 1 to 1024 characters' })
  key!: string;

  @ApiPropertyOptional({
    description: "S3's multipart upload id (`multipart.uploadId`); required for parts, ListParts, Complete, Abort.",
    maxLength: 1024,
  })
  @IsOmittable()
  @IsString({ message: 'must be a string' })
  @Length(1, 1024, { message: 'must be 1 to 1024 characters' })
  uploadId?: string;

  @ApiPropertyOptional({
    description: 'UploadPart: the part, 1 to `multipart.partCount`.',
    minimum: 1,
    maximum: 10_000,
  })
  @IsOmittable()
  @IsInt({ message: 'must be an integer' })
  @Min(1, { message: 'must be at least 1' })
  @Max(10_000, { message: 'must be at most 10000 (S3 allows no more parts)' })
  partNumber?: number;

  @ApiPropertyOptional({
    description: 'PutObject: the type declared at POST /v1/uploads (any other is refused; it is signed anyway).',
    example: 'image/jpeg',
    maxLength: 255,
  })
  @IsOmittable()
  @IsString({ message: 'must be a string' })
  @Length(1, 255, { message: 'must be 1 to 255 characters' })
  contentType?: string;

  @ApiPropertyOptional({
    description:
      "UploadPart: base64 SHA-256 of the part's bytes; signed as `x-amz-checksum-sha256`, so S3 refuses " +
      'other bytes. PutObject: must be the checksum declared at POST /v1/uploads, if any.',
  })
  @IsOmittable()
  @Matches(SHA256_BASE64, { message: 'must be the base64 encoding of a 32-byte SHA-256 digest' })
  checksumSha256?: string;

  @ApiPropertyOptional({
    description:
      "Upper bound on the URL's lifetime in seconds (it never outlives the session, nor the configured TTL).",
    minimum: 1,
    maximum: 604_800,
  })
  @IsOmittable()
  @IsInt({ message: 'must be an integer number of seconds' })
  @Min(1, { message: 'must be at least 1' })
  @Max(604_800, { message: 'must be at most 604800' })
  expiresIn?: number;
}

export class SignedRequestDto {
  @ApiProperty({ enum: SIGNABLE_METHODS, description: 'Send the request with this method.' }) method!: SignableMethod;
  @ApiProperty({ description: 'The presigned S3 URL.' }) url!: string;

  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'string' },
    description:
      'Set exactly these headers (each is signed): PutObject `content-type`, `if-none-match: *` and the checksum; ' +
      'UploadPart the checksum, if one was given; CompleteMultipartUpload `if-none-match: *` and ' +
      '`x-amz-mp-object-size` (S3 refuses a completion whose parts add up to another size). Content-Length is ' +
      "signed for PutObject and UploadPart (the part's exact size) but not listed: every HTTP client sends it.",
    example: { 'content-type': 'image/jpeg', 'if-none-match': '*' },
  })
  headers!: Record<string, string>;

  @ApiProperty({ description: 'The object key the URL is signed for (Uppy reads it back).' }) key!: string;
}

export class RejectionDto {
  @ApiProperty({
    example: 'not-an-image',
    description: `Stable code, one of: ${Object.values(RejectionReason).join(', ')} (more may be added).`,
  })
  code!: string;
  @ApiProperty({ example: 'The bytes are not an image.' }) detail!: string;
}

export class UploadStatusDto {
  @ApiProperty({ format: 'uuid' }) uploadId!: string;
  @ApiProperty({ enum: UPLOAD_STATUSES }) status!: UploadStatus;
  @ApiPropertyOptional({ type: ImageDto }) image?: ImageDto;
  @ApiPropertyOptional({ type: RejectionDto }) rejection?: RejectionDto;
}

export function toPresignedRequestDto(request: PresignedRequest): PresignedRequestDto {
  return { method: 'PUT', url: request.url, headers: request.headers };
}

export function toUploadStatusDto(upload: UploadRecord, image?: ImageDto): UploadStatusDto {
  return {
    uploadId: upload.id,
    status: upload.status,
    ...(image ? { image } : {}),
    ...(upload.status === 'REJECTED' && upload.rejectionCode
      ? { rejection: { code: upload.rejectionCode, detail: upload.rejectionDetail ?? '' } }
      : {}),
  };
}
