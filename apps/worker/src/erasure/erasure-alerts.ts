import { Injectable, Logger } from '@nestjs/common';
import { Counter } from 'prom-client';
import { WorkerMetrics } from '../observability/worker.metrics';

export interface ErasureFailure {
  erasureId: string;
  failedKeys: number;
  reason: string;
}

export type ErasureFailureListener = (failure: ErasureFailure) => void | Promise<void>;

/** Alert on this message text: it is stable, like the DLQ monitor's. */
export const ERASURE_FAILED_MESSAGE = 'erasure failed';

/**
 * Where a FAILED erasure is announced: an error log with a stable message, a counter
 * (`worker_erasures_failed_total`) for alarms, and listeners, so the DLQ's Slack notifier can
 * subscribe with `onFailure` without this module knowing about Slack.
 */
@Injectable()
export class ErasureAlerts {
  private readonly logger = new Logger('ErasureRunner');
  private readonly listeners: ErasureFailureListener[] = [];
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

  onFailure(listener: ErasureFailureListener): void {
    this.listeners.push(listener);
  }

  async failedRequest(failure: ErasureFailure): Promise<void> {
    this.failed.inc();
    this.logger.error({ msg: ERASURE_FAILED_MESSAGE, ...failure });
    for (const listener of this.listeners) {
      try {
        await listener(failure);
      } catch (error) {
        // A broken notifier must not hide the failure it was told about; the log above stands.
        this.logger.warn({ msg: 'erasure failure listener threw', error: String(error) });
      }
    }
  }
}
