import { Injectable, Logger } from '@nestjs/common';
import { AuditRepository } from '@lib/database';
import { DlqRepository, RedriveSelection } from '@lib/dlq';
import { errors } from '@lib/errors';
import type { AuthUser } from '../auth/auth-user';
import { DlqRedriveRequestDto, DlqRedriveResultDto, DlqSummaryDto, toDeadLetterDto } from './admin-dlq.dto';

/** One request moves at most this many, so it ends well within HTTP timeouts; the CLI has no cap. */
export const MAX_REDRIVE_PER_REQUEST = 1_000;
const DEFAULT_SAMPLE = 10;

export const DLQ_AUDIT_ACTIONS = { inspect: 'dlq.inspect', redrive: 'dlq.redrive' } as const;

@Injectable()
export class AdminDlqService {
  private readonly logger = new Logger(AdminDlqService.name);

  constructor(
    private readonly dlq: DlqRepository,
    private readonly audit: AuditRepository,
  ) {}

  async inspect(user: AuthUser, limit = DEFAULT_SAMPLE): Promise<DlqSummaryDto> {
    const peek = await this.dlq.peek(limit);
    await this.audit.record({
      actor: user.id,
      action: DLQ_AUDIT_ACTIONS.inspect,
      target: this.dlq.queueName,
      count: peek.messages.length,
      detail: { depth: peek.stats.depth },
    });
    return {
      queue: this.dlq.queueName,
      count: peek.stats.depth,
      visible: peek.stats.visible,
      inFlight: peek.stats.inFlight,
      delayed: peek.stats.delayed,
      oldestAgeSeconds: peek.oldestAgeSeconds,
      sample: peek.messages.map(toDeadLetterDto),
    };
  }

  async redrive(user: AuthUser, body: DlqRedriveRequestDto): Promise<DlqRedriveResultDto> {
    const selection = toSelection(body);
    const result = await this.dlq.redrive(selection);
    const { depth: remaining } = await this.dlq.stats();
    const detail = {
      mode: 'all' in selection ? 'all' : 'ids',
      ...('messageIds' in selection ? { requested: selection.messageIds, missing: result.missing } : {}),
      failed: result.failed.length,
      remaining,
    };
    // Recorded after the move, with what really happened; a retry is safe (idempotent) if this fails.
    await this.audit.record({
      actor: user.id,
      action: DLQ_AUDIT_ACTIONS.redrive,
      target: this.dlq.queueName,
      count: result.moved,
      detail,
    });
    this.logger.log({ msg: 'DLQ redrive', actor: user.id, moved: result.moved, ...detail });
    return { ...result, remaining };
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
