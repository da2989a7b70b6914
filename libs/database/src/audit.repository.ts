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

/** Append-only trail of admin actions; rows are never updated. */
@Injectable()
export class AuditRepository {
  constructor(private readonly prisma: PrismaService) {}

  async record(event: NewAuditEvent): Promise<AuditEventRecord> {
    const row = await withDb(() =>
      this.prisma.auditEvent.create({
        data: { ...event, detail: (event.detail ?? undefined) as Prisma.InputJsonValue | undefined },
      }),
    );
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
