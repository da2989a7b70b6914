export interface RateLimitDecision {
  allowed: boolean;
  /** Seconds until the caller may try again (when not allowed). */
  retryAfterSeconds: number;
}

/**
 * A fixed-window counter per key, in this process. With several API tasks each enforces its
 * own share, so the fleet-wide limit is tasks × limit; the WAF rate rule in front (infra/)
 * bounds the total. Memory is bounded: expired windows are dropped as keys are touched and
 * swept once the map grows.
 */
export class RateLimiter {
  private readonly windows = new Map<string, { start: number; count: number }>();

  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
    private readonly now: () => number = Date.now,
    private readonly maxKeys = 100_000,
  ) {}

  consume(key: string): RateLimitDecision {
    const now = this.now();
    let window = this.windows.get(key);
    if (!window || now - window.start >= this.windowMs) {
      if (this.windows.size >= this.maxKeys) this.sweep(now);
      window = { start: now, count: 0 };
      this.windows.set(key, window);
    }
    if (window.count >= this.limit) {
      return { allowed: false, retryAfterSeconds: Math.ceil((window.start + this.windowMs - now) / 1000) };
    }
    window.count++;
    return { allowed: true, retryAfterSeconds: 0 };
  }

  private sweep(now: number): void {
    for (const [key, window] of this.windows) {
      if (now - window.start >= this.windowMs) this.windows.delete(key);
    }
  }
}
