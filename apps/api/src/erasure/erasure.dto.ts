import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Equals, IsString, Matches } from 'class-validator';
import { USER_ID_PATTERN } from '@lib/contracts';
import type { ErasureStateName } from '@lib/contracts';

export const ERASURE_CONFIRMATION = 'erase my account and all my images';

export class EraseMeDto {
  @ApiProperty({
    example: ERASURE_CONFIRMATION,
    description: 'Must be exactly this sentence: erasure cannot be undone.',
  })
  @Equals(ERASURE_CONFIRMATION, { message: `must be exactly "${ERASURE_CONFIRMATION}"` })
  confirm!: string;
}

export class CreateErasureDto {
  @ApiProperty({ example: 'auth0|5f7c8ec7c33c6c004bbafe82' })
  @IsString()
  @Matches(USER_ID_PATTERN, { message: 'is not a valid user id' })
  userId!: string;
}

const STATES: ErasureStateName[] = ['REQUESTED', 'RUNNING', 'COMPLETED', 'FAILED'];

export class ErasureStatusDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ enum: STATES }) state!: ErasureStateName;
  @ApiProperty({ enum: ['objects', 'rows', 'done'] }) phase!: string;
  @ApiProperty({ description: "An admin's user id, `self`, or `cli:<login>`" }) requestedBy!: string;
  @ApiProperty() objectsDeleted!: number;
  @ApiProperty() rowsDeleted!: number;
  @ApiProperty({ description: 'Objects S3 kept refusing to delete (FAILED only)' }) failedKeys!: number;
  @ApiPropertyOptional({ type: String, nullable: true }) failureReason!: string | null;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiPropertyOptional({ type: String, format: 'date-time', nullable: true }) startedAt!: string | null;
  @ApiPropertyOptional({ type: String, format: 'date-time', nullable: true }) finishedAt!: string | null;
  @ApiPropertyOptional({
    type: String,
    format: 'date-time',
    nullable: true,
    description: "When the CDN's cached copies of the user's images were invalidated.",
  })
  cdnInvalidatedAt!: string | null;
}
