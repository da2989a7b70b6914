import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsObject, IsString, Length, Matches, Min, ValidateNested } from 'class-validator';
import { ALLOWED_IMAGE_TYPES, ALLOWED_THUMBNAIL_TYPES, UPLOAD_STATUSES, UploadStatus } from '@lib/contracts';
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
    ApiPropertyOptional({ description: 'Base64 SHA-256 of the bytes; S3 refuses any other body.' }),
    IsOmittable(),
    Matches(SHA256_BASE64, { message: 'must be the base64 encoding of a 32-byte SHA-256 digest' }),
  );
}

const THUMBNAIL_FIELDS = new Set(['contentType', 'size', 'checksumSha256']);
const UPLOAD_FIELDS = new Set(['filename', 'contentType', 'size', 'checksumSha256', 'thumbnail']);
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
    const { filename, contentType, size, checksumSha256, thumbnail } = body;
    if (
      typeof filename !== 'string' ||
      filename.length < 1 ||
      filename.length > 255 ||
      !PRINTABLE_TEXT.test(filename) ||
      VARIATION_SELECTOR.test(filename) ||
      !(ALLOWED_IMAGE_TYPES as readonly unknown[]).includes(contentType) ||
      !byteSizeAccepted(size) ||
      !checksumAccepted(checksumSha256)
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

export class UploadSessionDto {
  @ApiProperty({ format: 'uuid' }) uploadId!: string;
  @ApiProperty({ format: 'date-time' }) expiresAt!: string;
  @ApiProperty({ description: "The original's object key (made by the server)." }) key!: string;
  @ApiProperty({ type: PresignedRequestDto }) original!: PresignedRequestDto;
  @ApiPropertyOptional({ type: PresignedRequestDto }) thumbnail?: PresignedRequestDto;
}

export class RejectionDto {
  @ApiProperty({ example: 'not-an-image' }) code!: string;
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
