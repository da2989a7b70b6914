import { Injectable } from '@nestjs/common';
import { Prisma } from './prisma-client';
import { PrismaService } from './prisma.service';
import { withDb } from './prisma-error';

export interface NewAuditEvent {
  actor: string;
  action: string;
  target: string;
  count: number;
  detail?: Record<string, unknown>;
}

export interface AuditEventRecord extends NewAuditEvent {
  id: string;
  createdAt: Date;
}

/**
 * Append-only trail of admin actions; rows are never updated (except by an erasure, which
 * replaces the erased user's id with their pseudonym). The one writer of audit rows.
 */
@Injectable()
export class AuditRepository {
  constructor(private readonly prisma: PrismaService) {}

  /**
   * `tx` writes the row inside a caller's transaction, so the action and its record commit
   * (or roll back) together.
   */
  async record(event: NewAuditEvent, tx: Prisma.TransactionClient = this.prisma): Promise<AuditEventRecord> {
    const row = await withDb(() => tx.auditEvent.create({ data: { ...event, detail: toJson(event.detail) } }));
    return toRecord(row);
  }

  /** Newest first. */
  async recent(limit: number, filter: { actor?: string; action?: string } = {}): Promise<AuditEventRecord[]> {
    const rows = await withDb(() =>
      this.prisma.auditEvent.findMany({ where: filter, orderBy: { createdAt: 'desc' }, take: limit }),
    );
    return rows.map(toRecord);
  }
}

/** JSON as `JSON.stringify` writes it (dates become ISO strings), whatever the detail holds. */
function toJson(detail: Record<string, unknown> | undefined): Prisma.InputJsonValue | undefined {
  return detail === undefined ? undefined : (JSON.parse(JSON.stringify(detail)) as Prisma.InputJsonValue);
}

function toRecord(row: {
  id: string;
  actor: string;
  action: string;
  target: string;
  count: number;
  detail: Prisma.JsonValue;
  createdAt: Date;
}): AuditEventRecord {
  return {
    id: row.id,
    actor: row.actor,
    action: row.action,
    target: row.target,
    count: row.count,
    ...(row.detail && typeof row.detail === 'object' && !Array.isArray(row.detail)
      ? { detail: row.detail as Record<string, unknown> }
      : {}),
    createdAt: row.createdAt,
  };
}
