import { Inject, Injectable, Logger } from '@nestjs/common';
import { APP_CONFIG, WorkerConfig } from '@lib/config';
import { PeriodicTask, PeriodicTaskHost } from '../scheduling/periodic-task';
import { ErasureRunner, ErasureRunResult } from './erasure.runner';

/**
 * Polls for erasure requests; after a run it looks again at once (there may be a queue of
 * them), otherwise it waits a poll interval. On shutdown the runner stops at its next batch
 * boundary and hands the request back, so the next worker resumes it without waiting.
 */
@Injectable()
export class ErasureScheduler extends PeriodicTaskHost {
  private readonly logger = new Logger(ErasureScheduler.name);
  protected readonly task: PeriodicTask<ErasureRunResult>;

  constructor(
    @Inject(APP_CONFIG) config: WorkerConfig,
    private readonly runner: ErasureRunner,
  ) {
    super();
    const pollMs = config.erasure.pollSeconds * 1000;
    this.task = new PeriodicTask({
      run: () => this.runner.runOnce(),
      onError: (error) =>
        this.logger.warn({ msg: 'erasure run interrupted; resuming next interval', error: String(error) }),
      timing: { firstAfterMs: 0, next: (outcome) => (outcome.ok && outcome.value !== 'idle' ? 0 : pollMs) },
    });
  }

  override async onModuleDestroy(): Promise<void> {
    const stopped = super.onModuleDestroy();
    this.runner.stop();
    await stopped;
  }
}
