import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsInt, IsString, Matches, Max, Min } from 'class-validator';
import { RENDER_FITS } from '@lib/imaging';
import { REQUESTED_FORMATS } from './render-params';
import { IsOmittable } from '../common/validation.decorators';

export class RenderUrlRequestDto {
  @ApiPropertyOptional({ minimum: 1, description: 'Output width in px (at most RENDER_MAX_SIDE).' })
  @IsOmittable()
  @IsInt({ message: 'must be an integer' })
  @Min(1, { message: 'must be at least 1' })
  width?: number;

  @ApiPropertyOptional({ minimum: 1, description: 'Output height in px (at most RENDER_MAX_SIDE).' })
  @IsOmittable()
  @IsInt({ message: 'must be an integer' })
  @Min(1, { message: 'must be at least 1' })
  height?: number;

  @ApiPropertyOptional({ enum: RENDER_FITS, default: 'inside' })
  @IsOmittable()
  @IsIn(RENDER_FITS, { message: `must be one of ${RENDER_FITS.join(', ')}` })
  fit?: string;

  @ApiPropertyOptional({
    enum: REQUESTED_FORMATS,
    default: 'auto',
    description: '`auto` picks AVIF, WebP or JPEG from the Accept header of the request for the image.',
  })
  @IsOmittable()
  @IsIn(REQUESTED_FORMATS, { message: `must be one of ${REQUESTED_FORMATS.join(', ')}` })
  format?: string;

  @ApiPropertyOptional({ minimum: 1, maximum: 100, default: 80 })
  @IsOmittable()
  @IsInt({ message: 'must be an integer' })
  @Min(1, { message: 'must be at least 1' })
  @Max(100, { message: 'must be at most 100' })
  quality?: number;
}

export class RenderUrlDto {
  @ApiProperty({ description: 'Signed render URL (on the CDN when configured); cacheable, public until expiresAt.' })
  url!: string;
  @ApiProperty({ format: 'date-time' }) expiresAt!: string;
}

const QUERY_VALUE = /^[A-Za-z0-9_-]{1,200}$/;

/** The render route's query: short names; checked for shape here and for meaning in render-params. */
export class RenderQueryDto {
  @ApiPropertyOptional() @IsOmittable() @IsString() @Matches(QUERY_VALUE) w?: string;
  @ApiPropertyOptional() @IsOmittable() @IsString() @Matches(QUERY_VALUE) h?: string;
  @ApiPropertyOptional() @IsOmittable() @IsString() @Matches(QUERY_VALUE) fit?: string;
  @ApiPropertyOptional() @IsOmittable() @IsString() @Matches(QUERY_VALUE) fmt?: string;
  @ApiPropertyOptional() @IsOmittable() @IsString() @Matches(QUERY_VALUE) q?: string;
  @ApiProperty() @IsOmittable() @IsString() @Matches(QUERY_VALUE) exp?: string;
  @ApiProperty() @IsOmittable() @IsString() @Matches(QUERY_VALUE) sig?: string;
}
