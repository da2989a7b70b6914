import { Injectable } from '@nestjs/common';
import { AuditRepository } from '@lib/database';
import { DeadLetter, DlqRepository, RedriveProgress, RedriveResult, RedriveSelection } from '@lib/dlq';
import { errors } from '@lib/errors';

/** Who acts: the admin's user id or `cli:<login>`; `via` is written into every audit row it makes. */
export interface Operator {
  actor: string;
  via?: string;
}

export const DLQ_AUDIT_ACTIONS = { stats: 'dlq.stats', inspect: 'dlq.inspect', redrive: 'dlq.redrive' } as const;

export interface DlqSummary {
  queue: string;
  count: number;
  visible: number;
  inFlight: number;
  delayed: number;
  oldestAgeSeconds: number | null;
  sample: DeadLetter[];
}

export interface DlqRedriveOutcome extends RedriveResult {
  /** DLQ count after the move. */
  remaining: number;
}

/** What a redrive's audit row (and the API's log line) says happened. */
export function redriveDetail(selection: RedriveSelection, outcome: DlqRedriveOutcome): Record<string, unknown> {
  return {
    mode: 'all' in selection ? 'all' : 'ids',
    ...('messageIds' in selection ? { requested: selection.messageIds, missing: outcome.missing } : {}),
    failed: outcome.failed.length,
    remaining: outcome.remaining,
  };
}

/** A `stats` reads this many to find the oldest message's age. */
const STATS_SAMPLE = 10;

/**
 * The operator's view of the uploads dead-letter queue, for the admin API and the CLI alike,
 * with one audit rule: every action is recorded, a failed record fails the action, and a
 * redrive refuses to move anything while the audit table cannot be reached.
 */
@Injectable()
export class DlqOperations {
  constructor(
    private readonly dlq: DlqRepository,
    private readonly audit: AuditRepository,
  ) {}

  get queueName(): string {
    return this.dlq.queueName;
  }

  /** Count and oldest age (the audit row counts the depth). */
  async stats(operator: Operator): Promise<DlqSummary> {
    const summary = await this.summary(STATS_SAMPLE);
    await this.record(operator, DLQ_AUDIT_ACTIONS.stats, summary.count, { depth: summary.count });
    return summary;
  }

  /** A sample of up to `limit` messages, without consuming them (the audit row counts the sample). */
  async inspect(operator: Operator, limit: number): Promise<DlqSummary> {
    const summary = await this.summary(limit);
    await this.record(operator, DLQ_AUDIT_ACTIONS.inspect, summary.sample.length, { depth: summary.count });
    return summary;
  }

  async redrive(
    operator: Operator,
    selection: RedriveSelection,
    onProgress?: (progress: RedriveProgress) => void,
  ): Promise<DlqRedriveOutcome> {
    try {
      await this.audit.recent(1);
    } catch (error) {
      throw errors.dependencyUnavailable('The audit table (a redrive is refused unaudited)', error);
    }
    const result = await this.dlq.redrive(selection, onProgress);
    const { depth: remaining } = await this.dlq.stats();
    // Recorded after the move, with what really happened; a retry is safe (idempotent) if this fails.
    const outcome = { ...result, remaining };
    await this.record(operator, DLQ_AUDIT_ACTIONS.redrive, result.moved, redriveDetail(selection, outcome));
    return outcome;
  }

  private async summary(limit: number): Promise<DlqSummary> {
    const peek = await this.dlq.peek(limit);
    return {
      queue: this.dlq.queueName,
      count: peek.stats.depth,
      visible: peek.stats.visible,
      inFlight: peek.stats.inFlight,
      delayed: peek.stats.delayed,
      oldestAgeSeconds: peek.oldestAgeSeconds,
      sample: peek.messages,
    };
  }

  private async record(operator: Operator, action: string, count: number, detail: Record<string, unknown>) {
    await this.audit.record({
      actor: operator.actor,
      action,
      target: this.dlq.queueName,
      count,
      detail: operator.via === undefined ? detail : { ...detail, via: operator.via },
    });
  }
}
