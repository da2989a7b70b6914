import { setTimeout as sleep } from 'node:timers/promises';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { APP_CONFIG, WorkerConfig } from '@lib/config';
import { userCdnPaths } from '@lib/cdn';
import { erasureTargets } from '@lib/contracts';
import { ClaimedErasure, ErasureRepository } from '@lib/database';
import { ErasureRequests } from '@lib/operations';
import { KeyDeleteError, ObjectStorageRepository } from '@lib/storage';
import { BackgroundItems } from '../scheduling/background-items';
import { ErasureAlerts } from './erasure-alerts';

export type ErasureRunResult = 'idle' | 'completed' | 'failed' | 'retrying' | 'stopped' | 'lost-lease';

type StepResult = 'done' | 'failed' | 'stopped' | 'lost-lease';

/**
 * Runs one erasure request at a time, in bounded batches, checkpointing after each so a
 * crash or a deploy resumes where it stopped. Phase 1 lists and deletes the user's objects
 * page by page (never more than one page of keys in memory); phase 2 deletes the rows, one
 * transaction per batch; then the request is completed and the clear user id forgotten.
 */
@Injectable()
export class ErasureRunner {
  private readonly logger = new Logger(ErasureRunner.name);
  private stopping = false;

  constructor(
    @Inject(APP_CONFIG) private readonly config: WorkerConfig,
    private readonly erasures: ErasureRepository,
    private readonly requests: ErasureRequests,
    private readonly storage: ObjectStorageRepository,
    private readonly alerts: ErasureAlerts,
    private readonly items: BackgroundItems,
  ) {}

  /** Ends the current run at its next batch boundary (graceful shutdown). */
  stop(): void {
    this.stopping = true;
  }

  async runOnce(): Promise<ErasureRunResult> {
    if (this.stopping) return 'stopped';
    const claim = await this.erasures.claim(this.config.erasure.leaseSeconds);
    if (!claim) return 'idle';
    this.logger.log({ msg: 'erasure claimed', erasureId: claim.id, phase: claim.phase, target: claim.targetIndex });
    // A request that keeps throwing (S3 or the database failing on its objects or rows) is
    // retried with backoff while the others run; after the last attempt it is FAILED.
    const outcome = await this.items.run('erasure', claim.id, () => this.run(claim));
    if (outcome.ok) {
      if (outcome.value === 'stopped') await this.erasures.release(claim);
      this.logger.log({ msg: 'erasure run ended', erasureId: claim.id, result: outcome.value });
      return outcome.value;
    }
    if (outcome.gaveUp) {
      const reason = `gave up after ${this.config.background.maxAttempts} attempts: ${outcome.reason}`;
      if (await this.erasures.fail(claim, 0, reason).catch(() => false)) {
        await this.alerts.failedRequest({ erasureId: claim.id, failedKeys: 0, reason });
        return 'failed';
      }
    }
    // Hand it back; the claim skips it until its retry is due.
    await this.erasures.release(claim).catch(() => undefined);
    return 'retrying';
  }

  private async run(claim: ClaimedErasure): Promise<ErasureRunResult> {
    if (claim.phase === 'objects') {
      const objects = await this.eraseObjects(claim);
      if (objects !== 'done') return objects;
      if (!(await this.erasures.enterPhase(claim, 'rows'))) return 'lost-lease';
    }
    const rows = await this.eraseRows(claim);
    if (rows !== 'done') return rows;
    return (await this.erasures.complete(claim, userCdnPaths(this.userKey(claim)))) ? 'completed' : 'lost-lease';
  }

  private async eraseObjects(claim: ClaimedErasure): Promise<StepResult> {
    const targets = erasureTargets(this.userKey(claim), this.config.storage);
    let index = claim.targetIndex;
    let token = claim.continuationToken ?? undefined;
    while (index < targets.length) {
      if (this.stopping) return 'stopped';
      const { bucket, prefix } = targets[index]!;
      const page = await this.storage.listKeys(bucket, prefix, token, this.config.erasure.objectBatchSize);
      const failed = await this.deleteWithRetries(bucket, page.keys);
      if (failed.length > 0) {
        // Count what did go, keep the cursor on this page: a resume re-lists it and finds
        // only the keys that are still there.
        await this.erasures.checkpointObjects(claim, {
          targetIndex: index,
          continuationToken: token ?? null,
          objectsDeletedDelta: page.keys.length - failed.length,
        });
        await this.fail(claim, failed);
        return 'failed';
      }
      if (page.nextToken) {
        token = page.nextToken;
      } else {
        index += 1;
        token = undefined;
      }
      const held = await this.erasures.checkpointObjects(claim, {
        targetIndex: index,
        continuationToken: token ?? null,
        objectsDeletedDelta: page.keys.length,
      });
      this.alerts.objectsDeleted.inc(page.keys.length);
      if (!held) return 'lost-lease';
      if (page.keys.length > 0) await this.pause();
    }
    return 'done';
  }

  /** Per-key errors are retried with backoff; what still fails after the last try is returned. */
  private async deleteWithRetries(bucket: string, keys: string[]): Promise<KeyDeleteError[]> {
    let remaining = keys;
    let errors: KeyDeleteError[] = [];
    for (let attempt = 1; attempt <= this.config.erasure.maxKeyAttempts && remaining.length > 0; attempt++) {
      if (attempt > 1) {
        const backoff = this.config.erasure.retryBaseMs * 2 ** (attempt - 2);
        await sleep(backoff / 2 + Math.random() * (backoff / 2));
      }
      errors = await this.storage.deleteMany(bucket, remaining);
      remaining = errors.map((e) => e.key);
    }
    return remaining.length > 0 ? errors : [];
  }

  private async fail(claim: ClaimedErasure, failed: KeyDeleteError[]): Promise<void> {
    const codes = new Map<string, number>();
    for (const error of failed) codes.set(error.code, (codes.get(error.code) ?? 0) + 1);
    // Codes and counts only: the keys contain the user id.
    const reason =
      `${failed.length} object(s) could not be deleted after ${this.config.erasure.maxKeyAttempts} attempts (` +
      [...codes].map(([code, n]) => `${code}: ${n}`).join(', ') +
      ')';
    if (await this.erasures.fail(claim, failed.length, reason)) {
      await this.alerts.failedRequest({ erasureId: claim.id, failedKeys: failed.length, reason });
    }
  }

  private async eraseRows(claim: ClaimedErasure): Promise<StepResult> {
    const limit = this.config.erasure.rowBatchSize;
    const prefixes = [...new Set(erasureTargets(this.userKey(claim), this.config.storage).map((t) => t.prefix))];
    const batches = [
      () => this.erasures.deleteRowBatch(claim, limit),
      () => this.erasures.deleteStrayObjectRows(claim, prefixes, limit),
    ];
    for (const batch of batches) {
      for (;;) {
        if (this.stopping) return 'stopped';
        const { deleted, held } = await batch();
        if (!held) return 'lost-lease';
        if (deleted === 0) break;
        await this.pause();
      }
    }
    return 'done';
  }

  /** Computed from the id (not read from the record) so requests made before it was stored work. */
  private userKey(claim: ClaimedErasure): string {
    return this.requests.userKey(claim.userId);
  }

  private async pause(): Promise<void> {
    if (this.config.erasure.batchPauseMs > 0) await sleep(this.config.erasure.batchPauseMs);
  }
}
