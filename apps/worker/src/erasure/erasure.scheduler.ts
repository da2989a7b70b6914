import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { APP_CONFIG, WorkerConfig } from '@lib/config';
import { ErasureRunner } from './erasure.runner';

/**
 * Polls for erasure requests; after a run it looks again at once (there may be a queue of
 * them), otherwise it waits a poll interval. On shutdown the runner stops at its next batch
 * boundary and hands the request back, so the next worker resumes it without waiting.
 */
@Injectable()
export class ErasureScheduler implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(ErasureScheduler.name);
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private stopped = false;

  constructor(
    @Inject(APP_CONFIG) private readonly config: WorkerConfig,
    private readonly runner: ErasureRunner,
  ) {}

  onApplicationBootstrap(): void {
    this.schedule(0);
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.runner
        .runOnce()
        .then((result) => this.schedule(result === 'idle' ? this.config.erasure.pollSeconds * 1000 : 0))
        .catch((error: unknown) => {
          this.logger.warn({ msg: 'erasure run interrupted; resuming next interval', error: String(error) });
          this.schedule(this.config.erasure.pollSeconds * 1000);
        })
        .finally(() => (this.running = undefined));
    }, delayMs);
    this.timer.unref();
  }

  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    this.runner.stop();
    clearTimeout(this.timer);
    await this.running;
  }
}
