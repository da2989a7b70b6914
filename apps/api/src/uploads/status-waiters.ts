import { errors } from '@lib/errors';

export type WakeReason = 'changed' | 'timeout' | 'gone' | 'shutdown';

/** One held request: woken by a change of its upload, its deadline, its client leaving, or shutdown. */
export class StatusWaiter {
  /** A change that came while the waiter was reading the status, not waiting. */
  private changed = false;
  private stopped = false;
  private resolve: ((reason: WakeReason) => void) | undefined;

  constructor(private readonly release: (waiter: StatusWaiter) => void) {}

  notify(): void {
    if (this.resolve) this.resolve('changed');
    else this.changed = true;
  }

  stop(): void {
    this.stopped = true;
    this.resolve?.('shutdown');
  }

  /** Resolves with why the wait ended; never rejects. */
  wait(ms: number, signal: AbortSignal): Promise<WakeReason> {
    if (this.stopped) return Promise.resolve('shutdown');
    if (signal.aborted) return Promise.resolve('gone');
    if (this.changed) {
      this.changed = false;
      return Promise.resolve('changed');
    }
    return new Promise<WakeReason>((resolve) => {
      const onAbort = () => finish('gone');
      const timer = setTimeout(() => finish('timeout'), ms);
      signal.addEventListener('abort', onAbort, { once: true });
      const finish = (reason: WakeReason) => {
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        this.resolve = undefined;
        resolve(reason);
      };
      this.resolve = finish;
    });
  }

  close(): void {
    this.release(this);
  }
}

/**
 * The long-polls this process holds, bounded in all and per user (memory, sockets and timers
 * are per process; the fleet's total scales with its tasks). Over a bound the request is
 * refused with Retry-After rather than answered at once: an immediate answer would turn every
 * client's wait loop into the tight polling the long-poll exists to avoid.
 */
export class StatusWaiters {
  private readonly all = new Set<StatusWaiter>();
  private readonly perUser = new Map<string, number>();
  private closing = false;

  constructor(
    private readonly max: number,
    private readonly maxPerUser: number,
  ) {}

  get size(): number {
    return this.all.size;
  }

  get shuttingDown(): boolean {
    return this.closing;
  }

  /** A slot for one held request of `userId`; `close()` the waiter to give it back. */
  acquire(userId: string): StatusWaiter {
    if (this.all.size >= this.max) {
      throw errors.overloaded(1, `This server holds ${this.max} status waits already; ask again shortly.`);
    }
    const held = this.perUser.get(userId) ?? 0;
    if (held >= this.maxPerUser) {
      throw errors.rateLimited(1, `At most ${this.maxPerUser} status waits per user at once.`);
    }
    this.perUser.set(userId, held + 1);
    const waiter: StatusWaiter = new StatusWaiter((done) => {
      if (!this.all.delete(done)) return;
      const left = (this.perUser.get(userId) ?? 1) - 1;
      if (left > 0) this.perUser.set(userId, left);
      else this.perUser.delete(userId);
    });
    this.all.add(waiter);
    return waiter;
  }

  /** Graceful shutdown: every held request answers now, with what it last read. */
  wakeAll(): void {
    this.closing = true;
    for (const waiter of this.all) waiter.stop();
  }
}
