import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { ValidateBy } from 'class-validator';
import { UPLOAD_STATUS_MAX_WAIT_SECONDS } from '@lib/contracts';
import { IsOmittable } from '../common/validation.decorators';

// Decimal digits only: "1.5", "1e1", "0x10", " 5", "-1" and "" stay strings and are refused, as is
// a repeated parameter (an array); a number out of range too, all with the one message below.
const DECIMAL_DIGITS = /^\d{1,3}$/;

function IsWaitSeconds(): PropertyDecorator {
  return ValidateBy({
    name: 'isWaitSeconds',
    validator: {
      validate: (value: unknown) =>
        typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= UPLOAD_STATUS_MAX_WAIT_SECONDS,
      defaultMessage: () => `must be a whole number of seconds from 0 to ${UPLOAD_STATUS_MAX_WAIT_SECONDS}`,
    },
  });
}

export class UploadStatusQueryDto {
  @ApiPropertyOptional({
    type: 'integer',
    minimum: 0,
    maximum: UPLOAD_STATUS_MAX_WAIT_SECONDS,
    default: 0,
    description:
      'Long-poll: hold the request up to this many seconds while the upload is PENDING, ' +
      'and answer as soon as the worker has stored its verdict (READY or REJECTED) or the upload ' +
      'EXPIRED; when the time is up, the current status (still PENDING) is the answer. 0 or absent: ' +
      'answer at once. Ask again after a PENDING answer; there is no need to sleep in between. ' +
      'A user may hold a few of these at once (429 with Retry-After beyond), and a server a bounded ' +
      'number (503 with Retry-After beyond).',
  })
  @IsOmittable()
  @Transform(({ value }: { value: unknown }) =>
    typeof value === 'string' && DECIMAL_DIGITS.test(value) ? Number(value) : value,
  )
  @IsWaitSeconds()
  wait?: number;
}
