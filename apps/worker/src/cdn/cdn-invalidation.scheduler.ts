import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { APP_CONFIG, WorkerConfig } from '@lib/config';
import { PeriodicTask } from '../scheduling/periodic-task';
import { CdnInvalidationService, DrainResult } from './cdn-invalidation.service';

/** Drains the CDN invalidation outbox every CDN_INVALIDATION_INTERVAL_SECONDS; an outage is waited out. */
@Injectable()
export class CdnInvalidationScheduler implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(CdnInvalidationScheduler.name);
  private readonly task: PeriodicTask<DrainResult>;

  constructor(@Inject(APP_CONFIG) config: WorkerConfig, service: CdnInvalidationService) {
    this.task = new PeriodicTask({
      run: () => service.drain(),
      onError: (error) => this.logger.warn({ msg: 'cdn invalidation pass interrupted', error: (error as Error).name }),
      timing: { firstAfterMs: 0, next: () => config.cdn.intervalSeconds * 1000 },
    });
  }

  onApplicationBootstrap(): void {
    this.task.start();
  }

  onModuleDestroy(): Promise<void> {
    return this.task.stop();
  }
}
