import { Inject, Injectable, Logger } from '@nestjs/common';
import { APP_CONFIG, WorkerConfig } from '@lib/config';
import { PeriodicTask, PeriodicTaskHost } from '../scheduling/periodic-task';
import { SweepReport, SweepService } from './sweep.service';

/** Runs the sweep on a fixed interval, one run at a time; stops with the app. */
@Injectable()
export class SweepScheduler extends PeriodicTaskHost {
  private readonly logger = new Logger(SweepScheduler.name);
  protected readonly task: PeriodicTask<SweepReport>;

  constructor(@Inject(APP_CONFIG) config: WorkerConfig, sweep: SweepService) {
    super();
    this.task = new PeriodicTask({
      run: () => sweep.sweep(),
      onError: (error) => this.logger.warn({ msg: 'sweep failed; retrying next interval', error: String(error) }),
      timing: { everyMs: config.sweep.intervalSeconds * 1000 },
    });
  }
}
