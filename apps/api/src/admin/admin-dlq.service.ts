import { Injectable, Logger } from '@nestjs/common';
import { RedriveSelection } from '@lib/dlq';
import { errors } from '@lib/errors';
import { DlqOperations, redriveDetail } from '@lib/operations';
import type { AuthUser } from '../auth/auth-user';
import { DlqRedriveRequestDto, DlqRedriveResultDto, DlqSummaryDto, toDeadLetterDto } from './admin-dlq.dto';

/** One request moves at most this many, so it ends well within HTTP timeouts; the CLI has no cap. */
export const MAX_REDRIVE_PER_REQUEST = 1_000;
const DEFAULT_SAMPLE = 10;

/** The admin routes over the shared DLQ operations (which audit every action). */
@Injectable()
export class AdminDlqService {
  private readonly logger = new Logger(AdminDlqService.name);

  constructor(private readonly dlq: DlqOperations) {}

  async inspect(user: AuthUser, limit = DEFAULT_SAMPLE): Promise<DlqSummaryDto> {
    const { sample, ...summary } = await this.dlq.inspect({ actor: user.id }, limit);
    return { ...summary, sample: sample.map(toDeadLetterDto) };
  }

  async redrive(user: AuthUser, body: DlqRedriveRequestDto): Promise<DlqRedriveResultDto> {
    const selection = toSelection(body);
    const result = await this.dlq.redrive({ actor: user.id }, selection);
    this.logger.log({ msg: 'DLQ redrive', actor: user.id, moved: result.moved, ...redriveDetail(selection, result) });
    return result;
  }
}

function toSelection(body: DlqRedriveRequestDto): RedriveSelection {
  const byIds = body.messageIds !== undefined;
  if (body.all === true && !byIds) return { all: true, max: MAX_REDRIVE_PER_REQUEST };
  if (byIds && body.all === undefined) return { messageIds: [...new Set(body.messageIds)] };
  throw errors.validationFailed([
    { field: byIds ? 'all' : 'messageIds', message: 'send exactly one of {"all": true} or {"messageIds": [...]}' },
  ]);
}
