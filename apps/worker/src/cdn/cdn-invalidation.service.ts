import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { Counter } from 'prom-client';
import { CdnInvalidator } from '@lib/cdn';
import { APP_CONFIG, WorkerConfig } from '@lib/config';
import { CdnInvalidationRepository } from '@lib/database';
import { toAppError } from '@lib/errors';
import { WorkerMetrics } from '../observability/worker.metrics';

/** How long a claimed batch stays hidden from other workers while the CDN call is in flight. */
const LEASE_SECONDS = 60;
const MAX_BACKOFF_SECONDS = 15 * 60;

export type DrainResult = { invalidated: number; failed: number };

/**
 * Drains the outbox of CDN paths (written with every image deletion and erasure) in batches of
 * at most CDN_INVALIDATION_MAX_PATHS, one CreateInvalidation per batch. A failed batch is kept
 * with its reason and retried with exponential backoff; it never blocks the batches after it.
 */
@Injectable()
export class CdnInvalidationService {
  private readonly logger = new Logger(CdnInvalidationService.name);
  private readonly outcomes: Counter<'outcome'>;

  constructor(
    @Inject(APP_CONFIG) private readonly config: WorkerConfig,
    private readonly outbox: CdnInvalidationRepository,
    private readonly invalidator: CdnInvalidator,
    metrics: WorkerMetrics,
  ) {
    this.outcomes = new Counter({
      name: 'worker_cdn_invalidation_paths_total',
      help: 'CDN paths invalidated, or whose invalidation call failed (retried later)',
      labelNames: ['outcome'] as const,
      registers: [metrics.registry],
    });
  }

  /** One batch; call until it reports nothing left. */
  async drainOnce(): Promise<DrainResult> {
    const batch = await this.outbox.claim(this.config.cdn.maxPathsPerBatch, LEASE_SECONDS);
    if (batch.length === 0) return { invalidated: 0, failed: 0 };
    const ids = batch.map((row) => row.id);
    const paths = [...new Set(batch.map((row) => row.path))];
    try {
      const invalidationId = await this.invalidator.invalidate(paths, randomUUID());
      await this.outbox.markDone(ids, invalidationId);
      this.outcomes.inc({ outcome: 'invalidated' }, batch.length);
      this.logger.log({ msg: 'cdn paths invalidated', paths: paths.length, invalidationId });
      return { invalidated: batch.length, failed: 0 };
    } catch (error) {
      const attempts = Math.max(...batch.map((row) => row.attempts)) + 1;
      const backoff = Math.min(MAX_BACKOFF_SECONDS, this.config.cdn.intervalSeconds * 2 ** attempts);
      const reason = toAppError(error).code;
      await this.outbox.markFailed(ids, reason, backoff);
      this.outcomes.inc({ outcome: 'failed' }, batch.length);
      this.logger.warn({ msg: 'cdn invalidation failed; retrying later', paths: paths.length, attempts, reason });
      return { invalidated: 0, failed: batch.length };
    }
  }

  /** Every due batch, until the outbox has none left (failed ones wait for their backoff). */
  async drain(): Promise<DrainResult> {
    const total = { invalidated: 0, failed: 0 };
    for (;;) {
      const result = await this.drainOnce();
      total.invalidated += result.invalidated;
      total.failed += result.failed;
      if (result.invalidated + result.failed === 0) return total;
    }
  }
}
