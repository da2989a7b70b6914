import { Injectable, Logger } from '@nestjs/common';
import { Counter } from 'prom-client';
import { WorkerMetrics } from '../observability/worker.metrics';

export interface ErasureFailure {
  erasureId: string;
  failedKeys: number;
  reason: string;
}

/** Alert on this message text: it is stable, like the DLQ monitor's. */
export const ERASURE_FAILED_MESSAGE = 'erasure failed';

/**
 * Where a FAILED erasure is announced: an error log with a stable message and a counter
 * (`worker_erasures_failed_total`) to alarm on; the request itself says FAILED and why
 * (`GET /v1/admin/erasures/:id`). Nothing posts it to Slack: the Slack sink is the DLQ monitor's.
 */
@Injectable()
export class ErasureAlerts {
  private readonly logger = new Logger('ErasureRunner');
  readonly failed: Counter;
  readonly objectsDeleted: Counter;

  constructor(metrics: WorkerMetrics) {
    this.failed = new Counter({
      name: 'worker_erasures_failed_total',
      help: 'Erasure requests that stopped in FAILED (keys S3 kept refusing to delete)',
      registers: [metrics.registry],
    });
    this.objectsDeleted = new Counter({
      name: 'worker_erasure_objects_deleted_total',
      help: 'Objects deleted by erasure requests',
      registers: [metrics.registry],
    });
  }

  async failedRequest(failure: ErasureFailure): Promise<void> {
    this.failed.inc();
    this.logger.error({ msg: ERASURE_FAILED_MESSAGE, ...failure });
  }
}
