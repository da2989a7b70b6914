import { Inject, Injectable, Logger } from '@nestjs/common';
import { APP_CONFIG, WorkerConfig } from '@lib/config';
import { PeriodicTask, PeriodicTaskHost } from '../scheduling/periodic-task';
import { CdnInvalidationService, DrainResult } from './cdn-invalidation.service';

/** Drains the CDN invalidation outbox every CDN_INVALIDATION_INTERVAL_SECONDS; an outage is waited out. */
@Injectable()
export class CdnInvalidationScheduler extends PeriodicTaskHost {
  private readonly logger = new Logger(CdnInvalidationScheduler.name);
  protected readonly task: PeriodicTask<DrainResult>;

  constructor(@Inject(APP_CONFIG) config: WorkerConfig, service: CdnInvalidationService) {
    super();
    this.task = new PeriodicTask({
      run: () => service.drain(),
      onError: (error) => this.logger.warn({ msg: 'cdn invalidation pass interrupted', error: (error as Error).name }),
      timing: { firstAfterMs: 0, next: () => config.cdn.intervalSeconds * 1000 },
    });
  }
}
