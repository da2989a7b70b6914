import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { APP_CONFIG, WorkerConfig } from '@lib/config';
import { MaintenanceService } from './maintenance.service';

/** Runs the sweep on a fixed interval, one run at a time; stops with the app. */
@Injectable()
export class SweepScheduler implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(SweepScheduler.name);
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;

  constructor(
    @Inject(APP_CONFIG) private readonly config: WorkerConfig,
    private readonly maintenance: MaintenanceService,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => {
      if (this.running) return;
      this.running = this.maintenance
        .sweep()
        .then(() => undefined)
        .catch((error: unknown) =>
          this.logger.warn({ msg: 'sweep failed; retrying next interval', error: String(error) }),
        )
        .finally(() => (this.running = undefined));
    }, this.config.sweep.intervalSeconds * 1000);
    this.timer.unref();
  }

  async onModuleDestroy(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }
}
