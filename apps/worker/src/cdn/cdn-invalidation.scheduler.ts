import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { APP_CONFIG, WorkerConfig } from '@lib/config';
import { CdnInvalidationService } from './cdn-invalidation.service';

/** Drains the CDN invalidation outbox every CDN_INVALIDATION_INTERVAL_SECONDS; an outage is waited out. */
@Injectable()
export class CdnInvalidationScheduler implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(CdnInvalidationScheduler.name);
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private stopped = false;

  constructor(
    @Inject(APP_CONFIG) private readonly config: WorkerConfig,
    private readonly service: CdnInvalidationService,
  ) {}

  onApplicationBootstrap(): void {
    this.schedule(0);
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.service
        .drain()
        .then(() => undefined)
        .catch((error: unknown) => {
          this.logger.warn({ msg: 'cdn invalidation pass interrupted', error: (error as Error).name });
        })
        .finally(() => {
          this.running = undefined;
          this.schedule(this.config.cdn.intervalSeconds * 1000);
        });
    }, delayMs);
    this.timer.unref();
  }

  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }
}
