import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsString, Matches, Max, Min } from 'class-validator';
import type { ImageWithThumbnail } from '@lib/database';
import { IsOmittable } from '../common/validation.decorators';

export class ImageDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid' }) uploadId!: string;
  @ApiProperty() contentType!: string;
  @ApiProperty() bytes!: number;
  @ApiProperty() width!: number;
  @ApiProperty() height!: number;
  @ApiPropertyOptional({
    nullable: true,
    type: String,
    description:
      'SHA-256 of the original as the worker verified it, base64 (as `x-amz-checksum-sha256`); null for ' +
      'images verified before it was kept.',
  })
  sha256!: string | null;
  @ApiProperty({ description: 'Short-lived presigned GET.' }) originalUrl!: string;
  @ApiPropertyOptional({
    nullable: true,
    type: String,
    description:
      'CDN URL when configured, else presigned GET. Null for a moment after READY: the worker stores the ' +
      'thumbnail it made from the verified bytes just after the verdict.',
  })
  thumbnailUrl!: string | null;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({
    type: 'object',
    description:
      'Standard sizes (longest side, WebP, no EXIF) by preset name; null until made. `thumb` is the thumbnail. ' +
      'CDN URLs when configured, else presigned GETs.',
    properties: {
      thumb: { type: 'string', nullable: true },
      card: { type: 'string', nullable: true },
      large: { type: 'string', nullable: true },
    },
    additionalProperties: { type: 'string', nullable: true },
  })
  renditions!: Record<string, string | null>;
}

export class ImageListQueryDto {
  @ApiPropertyOptional({ minimum: 1, maximum: 100, default: 20 })
  @IsOmittable()
  @Type(() => Number)
  @IsInt({ message: 'must be an integer' })
  @Min(1, { message: 'must be at least 1' })
  @Max(100, { message: 'must be at most 100' })
  limit?: number;

  @ApiPropertyOptional({ description: 'The nextCursor of the previous page.' })
  @IsOmittable()
  @IsString()
  @Matches(/^[A-Za-z0-9_-]{1,200}$/, { message: 'is not a cursor this API issued' })
  cursor?: string;
}

export class ImagePageDto {
  @ApiProperty({ type: [ImageDto] }) items!: ImageDto[];
  @ApiPropertyOptional({
    nullable: true,
    type: String,
    description: 'Pass as cursor for the next page; null at the end.',
  })
  nextCursor!: string | null;
}

export interface ImageUrls {
  originalUrl: string;
  thumbnailUrl: string | null;
  renditions: Record<string, string | null>;
}

export function toImageDto(image: ImageWithThumbnail, urls: ImageUrls): ImageDto {
  return {
    id: image.id,
    uploadId: image.uploadId,
    contentType: image.contentType,
    bytes: image.bytes,
    width: image.width,
    height: image.height,
    sha256: image.sha256,
    originalUrl: urls.originalUrl,
    thumbnailUrl: urls.thumbnailUrl,
    createdAt: image.createdAt.toISOString(),
    renditions: urls.renditions,
  };
}
