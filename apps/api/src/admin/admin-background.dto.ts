import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import { IsBoolean, IsIn, IsInt, IsOptional, IsString, Matches, Max, Min } from 'class-validator';

export const BACKGROUND_PASSES = ['thumbnail', 'renditions', 'expiry', 'multipart', 'erasure'] as const;
export const MAX_BACKGROUND_FAILURES = 200;

export class BackgroundFailureQueryDto {
  @ApiPropertyOptional({ default: false, description: 'Only items given up on (marked failed).' })
  @IsOptional()
  @Transform(({ value }: { value: unknown }) => (value === 'true' ? true : value === 'false' ? false : value))
  @IsBoolean({ message: 'must be true or false' })
  failedOnly?: boolean;

  @ApiPropertyOptional({ minimum: 1, maximum: MAX_BACKGROUND_FAILURES, default: 50 })
  @IsOptional()
  @Type(() => Number)
  @IsInt({ message: 'must be an integer' })
  @Min(1, { message: 'must be at least 1' })
  @Max(MAX_BACKGROUND_FAILURES, { message: `must be at most ${MAX_BACKGROUND_FAILURES}` })
  limit?: number;
}

export class BackgroundFailureDto {
  @ApiProperty({ enum: BACKGROUND_PASSES }) pass!: string;
  @ApiProperty({ description: 'The upload id (erasure: the erasure request id).' }) itemId!: string;
  @ApiProperty() attempts!: number;
  @ApiProperty({ description: 'Error code and message of the last attempt.' }) lastError!: string;
  @ApiProperty({ format: 'date-time', description: 'When the next attempt is due (unless failed).' }) retryAt!: string;
  @ApiPropertyOptional({ nullable: true, type: String, format: 'date-time', description: 'Set once given up on.' })
  failedAt!: string | null;
  @ApiProperty({ format: 'date-time' }) firstFailedAt!: string;
}

export class BackgroundFailureListDto {
  @ApiProperty({ type: [BackgroundFailureDto] }) items!: BackgroundFailureDto[];
}

export class BackgroundRetryRequestDto {
  @ApiProperty({ enum: BACKGROUND_PASSES })
  @IsString({ message: 'must be a string' })
  @IsIn(BACKGROUND_PASSES, { message: `must be one of ${BACKGROUND_PASSES.join(', ')}` })
  pass!: string;

  @ApiProperty({ format: 'uuid' })
  @IsString({ message: 'must be a string' })
  @Matches(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/, { message: 'must be a UUID' })
  itemId!: string;
}

export class BackgroundRetryResultDto {
  @ApiProperty({ description: 'false when the item had no failure on record.' }) retried!: boolean;
}
