import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Length, Matches, Min, ValidateNested } from 'class-validator';
import { ALLOWED_IMAGE_TYPES, ALLOWED_THUMBNAIL_TYPES, UPLOAD_STATUSES, UploadStatus } from '@lib/contracts';
import type { UploadRecord } from '@lib/database';
import type { PresignedRequest } from '@lib/storage';
import { ImageDto } from '../images/image.dto';

// Base64 of exactly 32 bytes: 43 characters and one '=' of padding.
const SHA256_BASE64 = /^[A-Za-z0-9+/]{42}[AEIMQUYcgkosw048]=$/;
// Filenames are metadata only (never part of a key), but control characters break logs and UIs.
// eslint-disable-next-line no-control-regex
const NO_CONTROL_CHARS = /^[^\u0000-\u001f\u007f]*$/;

export class ThumbnailRequestDto {
  @ApiProperty({ enum: ALLOWED_THUMBNAIL_TYPES, example: 'image/webp' })
  @IsIn(ALLOWED_THUMBNAIL_TYPES, { message: `must be one of ${ALLOWED_THUMBNAIL_TYPES.join(', ')}` })
  contentType!: string;

  @ApiProperty({ example: 18234, description: 'Exact size in bytes.' })
  @IsInt({ message: 'must be an integer number of bytes' })
  @Min(1, { message: 'must be at least 1 byte' })
  size!: number;

  @ApiPropertyOptional({ description: 'Base64 SHA-256 of the bytes; S3 refuses any other body.' })
  @IsOptional()
  @Matches(SHA256_BASE64, { message: 'must be the base64 encoding of a 32-byte SHA-256 digest' })
  checksumSha256?: string;
}

export class CreateUploadDto {
  @ApiProperty({ example: 'holiday.jpg', minLength: 1, maxLength: 255 })
  @IsString()
  @Length(1, 255, { message: 'must be 1 to 255 characters' })
  @Matches(NO_CONTROL_CHARS, { message: 'must not contain control characters' })
  filename!: string;

  @ApiProperty({ enum: ALLOWED_IMAGE_TYPES, example: 'image/jpeg' })
  @IsIn(ALLOWED_IMAGE_TYPES, { message: `must be one of ${ALLOWED_IMAGE_TYPES.join(', ')}` })
  contentType!: string;

  @ApiProperty({ example: 2_483_201, description: 'Exact size in bytes; the signature binds it.' })
  @IsInt({ message: 'must be an integer number of bytes' })
  @Min(1, { message: 'must be at least 1 byte' })
  size!: number;

  @ApiPropertyOptional({ description: 'Base64 SHA-256 of the bytes; S3 refuses any other body.' })
  @IsOptional()
  @Matches(SHA256_BASE64, { message: 'must be the base64 encoding of a 32-byte SHA-256 digest' })
  checksumSha256?: string;

  @ApiPropertyOptional({ type: ThumbnailRequestDto, description: 'Ask for a second URL for a client-made thumbnail.' })
  @IsOptional()
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
    description: 'Send exactly these headers with the PUT (browsers set Content-Length themselves).',
  })
  headers!: Record<string, string>;
}

export class UploadSessionDto {
  @ApiProperty({ format: 'uuid' }) uploadId!: string;
  @ApiProperty({ format: 'date-time' }) expiresAt!: string;
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
