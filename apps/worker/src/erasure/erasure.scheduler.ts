import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { APP_CONFIG, WorkerConfig } from '@lib/config';
import { PeriodicTask } from '../scheduling/periodic-task';
import { ErasureRunner, ErasureRunResult } from './erasure.runner';

/**
 * Polls for erasure requests; after a run it looks again at once (there may be a queue of
 * them), otherwise it waits a poll interval. On shutdown the runner stops at its next batch
 * boundary and hands the request back, so the next worker resumes it without waiting.
 */
@Injectable()
export class ErasureScheduler implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(ErasureScheduler.name);
  private readonly task: PeriodicTask<ErasureRunResult>;

  constructor(
    @Inject(APP_CONFIG) config: WorkerConfig,
    private readonly runner: ErasureRunner,
  ) {
    const pollMs = config.erasure.pollSeconds * 1000;
    this.task = new PeriodicTask({
      run: () => this.runner.runOnce(),
      onError: (error) =>
        this.logger.warn({ msg: 'erasure run interrupted; resuming next interval', error: String(error) }),
      timing: { firstAfterMs: 0, next: (outcome) => (outcome.ok && outcome.value !== 'idle' ? 0 : pollMs) },
    });
  }

  onApplicationBootstrap(): void {
    this.task.start();
  }

  async onModuleDestroy(): Promise<void> {
    const stopped = this.task.stop();
    this.runner.stop();
    await stopped;
  }
}
