import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, WorkerConfig } from '@lib/config';
import { OverdueUpload, UploadMaintenanceRepository } from '@lib/database';
import { ObjectStorageRepository } from '@lib/storage';
import { ReconciliationService } from '../reconciliation/reconciliation.service';
import { BackgroundItems } from '../scheduling/background-items';

export interface ExpiryReport {
  expired: number;
  reconciled: number;
}

/**
 * Settles PENDING uploads whose URLs expired more than SWEEP_EXPIRY_GRACE_SECONDS ago, each
 * isolated (BackgroundItems): one whose object exists is reconciled (its event sent again),
 * one without expires for real.
 */
@Injectable()
export class ExpiryJob {
  constructor(
    @Inject(APP_CONFIG) private readonly config: WorkerConfig,
    private readonly maintenance: UploadMaintenanceRepository,
    private readonly storage: ObjectStorageRepository,
    private readonly reconciliation: ReconciliationService,
    private readonly items: BackgroundItems,
  ) {}

  /** Settles at most `limit` overdue uploads. */
  async run(limit: number): Promise<ExpiryReport> {
    const report: ExpiryReport = { expired: 0, reconciled: 0 };
    for (const upload of await this.maintenance.findOverduePending(this.config.sweep.expiryGraceSeconds, limit)) {
      const outcome = await this.items.run('expiry', upload.id, () => this.settle(upload));
      if (outcome.ok) report[outcome.value]++;
    }
    return report;
  }

  /** An overdue upload without an object expired for real; a lone thumbnail is then a stray and goes. */
  private async settle(upload: OverdueUpload): Promise<'expired' | 'reconciled'> {
    if (await this.reconciliation.reannounceIfStored(upload)) return 'reconciled';
    if (await this.maintenance.markExpired(upload.id)) {
      if (upload.thumbnailKey) await this.storage.delete(this.config.storage.thumbnailsBucket, upload.thumbnailKey);
    }
    return 'expired';
  }
}
