import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { APP_CONFIG, WorkerConfig } from '@lib/config';
import { PeriodicTask } from '../scheduling/periodic-task';
import { SweepReport, SweepService } from './sweep.service';

/** Runs the sweep on a fixed interval, one run at a time; stops with the app. */
@Injectable()
export class SweepScheduler implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(SweepScheduler.name);
  private readonly task: PeriodicTask<SweepReport>;

  constructor(@Inject(APP_CONFIG) config: WorkerConfig, sweep: SweepService) {
    this.task = new PeriodicTask({
      run: () => sweep.sweep(),
      onError: (error) => this.logger.warn({ msg: 'sweep failed; retrying next interval', error: String(error) }),
      timing: { everyMs: config.sweep.intervalSeconds * 1000 },
    });
  }

  onApplicationBootstrap(): void {
    this.task.start();
  }

  onModuleDestroy(): Promise<void> {
    return this.task.stop();
  }
}
