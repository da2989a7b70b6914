import { Inject, Injectable, Logger } from '@nestjs/common';
import { APP_CONFIG, WorkerConfig } from '@lib/config';
import { BackgroundFailureRepository, BackgroundPass } from '@lib/database';
import { ErrorCode, isAppError } from '@lib/errors';
import { WorkerMetrics } from '../observability/worker.metrics';

export type ItemOutcome<T> = { ok: true; value: T } | { ok: false; gaveUp: boolean; reason: string };

/**
 * Isolates the items of a background pass from one another: an item's failure is logged,
 * counted and recorded with a backoff (BackgroundFailure), never thrown, so the pass goes on
 * with the next item and the claim queries skip the failed one until its retry is due. After
 * BACKGROUND_MAX_ATTEMPTS it is marked failed for an admin to see, and left alone.
 */
@Injectable()
export class BackgroundItems {
  private readonly logger = new Logger(BackgroundItems.name);

  constructor(
    @Inject(APP_CONFIG) private readonly config: WorkerConfig,
    private readonly failures: BackgroundFailureRepository,
    private readonly metrics: WorkerMetrics,
  ) {}

  async run<T>(pass: BackgroundPass, itemId: string, work: () => Promise<T>): Promise<ItemOutcome<T>> {
    let value: T;
    try {
      value = await work();
    } catch (error) {
      return { ok: false, gaveUp: await this.failed(pass, itemId, error), reason: describe(error) };
    }
    try {
      await this.failures.clear(pass, itemId);
    } catch (error) {
      // The work is done; a stale failure row only delays nothing (the item is no longer claimed).
      this.logger.warn({ msg: 'could not clear a background failure', pass, itemId, error: describe(error) });
    }
    return { ok: true, value };
  }

  private async failed(pass: BackgroundPass, itemId: string, error: unknown): Promise<boolean> {
    const reason = describe(error);
    this.metrics.backgroundFailures.inc({ pass });
    try {
      // A dependency's outage (S3, SQS, PostgreSQL) is waited out with the same backoff, but it
      // says nothing about the item: only the item's own faults count towards giving up.
      const outage = isAppError(error) && error.code === ErrorCode.DependencyUnavailable;
      const policy = outage ? { ...this.config.background, maxAttempts: null } : this.config.background;
      const { attempts, gaveUp } = await this.failures.recordFailure(pass, itemId, reason, policy);
      if (gaveUp) this.metrics.backgroundGaveUp.inc({ pass });
      this.logger[gaveUp ? 'error' : 'warn']({
        msg: gaveUp ? 'background item failed for good' : 'background item failed; retrying with backoff',
        pass,
        itemId,
        attempts,
        error: reason,
      });
      return gaveUp;
    } catch (recordError) {
      // Cannot even record it (database down): the item's claim times out and it is tried again.
      this.logger.warn({ msg: 'background item failed', pass, itemId, error: reason, record: describe(recordError) });
      return false;
    }
  }
}

/** A short reason for the log and the admin listing: the error code and first line, no stack. */
function describe(error: unknown): string {
  const message = error instanceof Error ? error.message.split('\n')[0]! : String(error);
  return (isAppError(error) ? `${error.code}: ${message}` : message).slice(0, 500);
}
