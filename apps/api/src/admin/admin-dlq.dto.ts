import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsBoolean, IsInt, IsString, Max, MaxLength, Min } from 'class-validator';
import type { DeadLetter } from '@lib/dlq';
import { MAX_PEEK } from '@lib/dlq';
import { IsOmittable } from '../common/validation.decorators';

export const MAX_REDRIVE_IDS = 100;

export class DlqQueryDto {
  @ApiPropertyOptional({ minimum: 1, maximum: MAX_PEEK, default: 10, description: 'How many messages to sample.' })
  @IsOmittable()
  @Type(() => Number)
  @IsInt({ message: 'must be an integer' })
  @Min(1, { message: 'must be at least 1' })
  @Max(MAX_PEEK, { message: `must be at most ${MAX_PEEK}` })
  limit?: number;
}

export class DeadLetterDto {
  @ApiProperty({ description: 'SQS message id in the DLQ; pass it to the redrive route.' }) messageId!: string;
  @ApiProperty({ enum: ['forwarder', 'worker'], description: 'Which stage failed.' }) stage!: 'forwarder' | 'worker';
  @ApiProperty({
    enum: ['worker-dead-letter', 'redriven-upload-event', 'lambda-destination', 'unknown'],
    description: 'Which of the envelopes that share the DLQ this message has.',
  })
  envelope!: DeadLetter['envelope'];
  @ApiProperty({ type: [String], description: 'Decoded S3 keys the message is about.' }) objectKeys!: string[];
  @ApiProperty() reason!: string;
  @ApiProperty({ description: 'Lambda invocations for forwarder failures, else SQS receives (peeks included).' })
  receiveCount!: number;
  @ApiPropertyOptional({ nullable: true, type: String, format: 'date-time' }) sentAt!: string | null;
}

export class DlqSummaryDto {
  @ApiProperty({ example: 'uploads-dlq' }) queue!: string;
  @ApiProperty({ description: 'Every message in the DLQ: visible, in flight and delayed.' }) count!: number;
  @ApiProperty() visible!: number;
  @ApiProperty({ description: 'Briefly hidden by a peek or a redrive in progress.' }) inFlight!: number;
  @ApiProperty() delayed!: number;
  @ApiPropertyOptional({ nullable: true, type: Number, description: 'Age of the oldest sampled message.' })
  oldestAgeSeconds!: number | null;
  @ApiProperty({ type: [DeadLetterDto] }) sample!: DeadLetterDto[];
}

export class DlqRedriveRequestDto {
  @ApiPropertyOptional({ description: 'Move every message (send exactly one of all / messageIds).' })
  @IsOmittable()
  @IsBoolean({ message: 'must be a boolean' })
  all?: boolean;

  @ApiPropertyOptional({ type: [String], maxItems: MAX_REDRIVE_IDS, description: 'Move only these messages.' })
  @IsOmittable()
  @IsArray()
  @ArrayMinSize(1, { message: 'must name at least one message' })
  @ArrayMaxSize(MAX_REDRIVE_IDS, { message: `must name at most ${MAX_REDRIVE_IDS} messages` })
  @IsString({ each: true })
  @MaxLength(128, { each: true })
  messageIds?: string[];
}

export class DlqRedriveFailureDto {
  @ApiProperty() messageId!: string;
  @ApiProperty() reason!: string;
}

export class DlqRedriveResultDto {
  @ApiProperty({ description: 'Messages now back on the uploads queue.' }) moved!: number;
  @ApiProperty({ type: [String], description: 'Ids asked for that were no longer in the DLQ (not moved).' })
  missing!: string[];
  @ApiProperty({ type: [DlqRedriveFailureDto], description: 'Messages left in the DLQ, with why.' })
  failed!: DlqRedriveFailureDto[];
  @ApiProperty({ description: 'DLQ count after this call; call again while it is above 0 after an "all".' })
  remaining!: number;
}

export function toDeadLetterDto(message: DeadLetter): DeadLetterDto {
  return {
    messageId: message.messageId,
    stage: message.stage,
    envelope: message.envelope,
    objectKeys: message.objectKeys,
    reason: message.reason,
    receiveCount: message.receiveCount,
    sentAt: message.sentAt?.toISOString() ?? null,
  };
}
