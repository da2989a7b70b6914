import { errors } from '@lib/errors';

/**
 * A semaphore with a bounded queue in front of sharp. Renders are CPU- and memory-bound:
 * letting every request start one would multiply decode buffers and slow all of them, so a
 * few run, a few wait, and the rest are turned away at once with 503 + Retry-After (a CDN
 * or client retries, instead of the process running out of memory).
 */
export class RenderLimiter {
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(
    private readonly concurrency: number,
    private readonly queueMax: number,
    private readonly retryAfterSeconds = 1,
  ) {}

  get active(): number {
    return this.running;
  }

  get queued(): number {
    return this.waiting.length;
  }

  async run<T>(task: () => Promise<T>): Promise<T> {
    const release = await this.acquire();
    try {
      return await task();
    } finally {
      release();
    }
  }

  /** A slot, for work that hands over from one limiter to another; call the result once. */
  async acquire(): Promise<() => void> {
    if (this.running >= this.concurrency) {
      if (this.waiting.length >= this.queueMax) {
        throw errors.overloaded(this.retryAfterSeconds, 'Too many renders in progress; retry shortly.');
      }
      // The slot is handed over by release(), so `running` never drops below the real count.
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    } else {
      this.running++;
    }
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.release();
    };
  }

  private release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.running--;
  }
}
