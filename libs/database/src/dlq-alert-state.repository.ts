import { Injectable } from '@nestjs/common';
import { PrismaService } from './prisma.service';
import { withDb } from './prisma-error';

export interface StoredDlqAlertState {
  status: string;
  firstSeenAt: Date | null;
  lastAlertAt: Date | null;
  lastAlertDepth: number;
  lastDepth: number;
  peakDepth: number;
  changedAt: Date;
}

export interface VersionedDlqAlertState {
  state: StoredDlqAlertState;
  version: number;
}

/**
 * The DLQ monitor's alert state, one row per queue. Writes are compare-and-set on `version`,
 * so when several worker tasks decide at once exactly one of them wins and sends the alert.
 */
@Injectable()
export class DlqAlertStateRepository {
  constructor(private readonly prisma: PrismaService) {}

  async load(queue: string): Promise<VersionedDlqAlertState | null> {
    const row = await withDb(() => this.prisma.dlqAlertState.findUnique({ where: { queue } }));
    if (!row) return null;
    const { version, queue: _queue, ...state } = row;
    return { state, version };
  }

  /**
   * Writes `state` only if the row is still at `expectedVersion` (null: only if there is no
   * row yet). Returns the new version, or null when another writer got there first.
   */
  async save(queue: string, state: StoredDlqAlertState, expectedVersion: number | null): Promise<number | null> {
    if (expectedVersion === null) {
      const inserted = await withDb(() =>
        this.prisma.dlqAlertState.createMany({ data: [{ queue, ...state, version: 0 }], skipDuplicates: true }),
      );
      return inserted.count === 1 ? 0 : null;
    }
    const updated = await withDb(() =>
      this.prisma.dlqAlertState.updateMany({
        where: { queue, version: expectedVersion },
        data: { ...state, version: expectedVersion + 1 },
      }),
    );
    return updated.count === 1 ? expectedVersion + 1 : null;
  }
}
