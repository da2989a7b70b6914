import type { OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';

/** How a pass went: its value, or that it threw (the error has been handed to `onError`). */
export type PassOutcome<T> = { ok: true; value: T } | { ok: false };

/**
 * When passes start.
 * - `everyMs`: on a fixed interval (setInterval), the first pass one interval after start; a
 *   tick that finds the previous pass still running is skipped.
 * - `firstAfterMs` and `next`: a chain of timers, the first pass `firstAfterMs` after start and
 *   each later one `next(outcome)` ms after the previous one ended, so passes never overlap.
 */
export type PeriodicTiming<T> =
  { everyMs: number } | { firstAfterMs: number; next: (outcome: PassOutcome<T>) => number };

export interface PeriodicTaskOptions<T> {
  /** One pass over the work. */
  run: () => Promise<T>;
  /** Hears a pass's failure; the task goes on at the next time its timing gives. */
  onError: (error: unknown) => void;
  timing: PeriodicTiming<T>;
}

/**
 * The worker's background loops (sweep, erasure, DLQ monitor, CDN invalidation): one pass at a
 * time, timers that never keep the process alive on their own, and a stop that waits for the
 * pass in flight, so the app closes its database pool only after it. Each item of a pass is
 * isolated by the pass itself (see BackgroundItems).
 */
export class PeriodicTask<T = unknown> {
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private stopped = false;

  constructor(private readonly options: PeriodicTaskOptions<T>) {}

  start(): void {
    const { timing } = this.options;
    if ('everyMs' in timing) {
      this.timer = setInterval(() => {
        if (!this.running) this.pass();
      }, timing.everyMs);
      this.timer.unref();
    } else {
      this.chain(timing.firstAfterMs, timing.next);
    }
  }

  /** No pass starts after this; resolves once the one in flight (if any) has ended. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    clearInterval(this.timer);
    await this.running;
  }

  private chain(delayMs: number, next: (outcome: PassOutcome<T>) => number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => this.pass((outcome) => this.chain(next(outcome), next)), delayMs);
    this.timer.unref();
  }

  /** Runs one pass, then `then` with how it went. */
  private pass(then?: (outcome: PassOutcome<T>) => void): void {
    let outcome: PassOutcome<T> = { ok: false };
    this.running = this.options
      .run()
      .then((value) => {
        outcome = { ok: true, value };
      })
      .catch((error: unknown) => this.options.onError(error))
      .finally(() => {
        this.running = undefined;
        then?.(outcome);
      });
  }
}

/**
 * A provider that owns one PeriodicTask for the application's lifetime: passes begin once every
 * module has booted, and shutdown waits for the pass in flight before the pools close.
 */
export abstract class PeriodicTaskHost implements OnApplicationBootstrap, OnModuleDestroy {
  protected abstract readonly task: Pick<PeriodicTask, 'start' | 'stop'>;

  onApplicationBootstrap(): void {
    this.task.start();
  }

  onModuleDestroy(): Promise<void> {
    return this.task.stop();
  }
}
