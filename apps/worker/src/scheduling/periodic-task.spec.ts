import { PassOutcome, PeriodicTask } from './periodic-task';

/** A pass the test ends by hand, to see what happens while it runs. */
function controllablePasses<T>() {
  const pending: { resolve: (value: T) => void; reject: (error: unknown) => void }[] = [];
  let started = 0;
  const run = () =>
    new Promise<T>((resolve, reject) => {
      started++;
      pending.push({ resolve, reject });
    });
  return {
    run,
    get started() {
      return started;
    },
    /** Ends the oldest running pass. */
    finish: async (value: T) => {
      pending.shift()!.resolve(value);
      await flush();
    },
    fail: async (error: unknown) => {
      pending.shift()!.reject(error);
      await flush();
    },
  };
}

/** Lets the promise chain of an ended pass settle (then, catch, finally). */
const flush = async () => {
  for (let i = 0; i < 5; i++) await Promise.resolve();
};

describe('PeriodicTask', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  describe('on a fixed interval', () => {
    it('runs first one interval after start, and skips the ticks that find a pass still running', async () => {
      const passes = controllablePasses<void>();
      const task = new PeriodicTask({ run: passes.run, onError: jest.fn(), timing: { everyMs: 1000 } });
      task.start();
      await jest.advanceTimersByTimeAsync(999);
      expect(passes.started).toBe(0);
      await jest.advanceTimersByTimeAsync(1);
      expect(passes.started).toBe(1);
      // Two more ticks while the first pass runs: no overlap.
      await jest.advanceTimersByTimeAsync(2000);
      expect(passes.started).toBe(1);
      await passes.finish();
      // The next tick on the interval's own beat, not an interval after the pass ended.
      await jest.advanceTimersByTimeAsync(1000);
      expect(passes.started).toBe(2);
      await passes.finish();
      await task.stop();
    });

    it('hears a failed pass and goes on at the next tick', async () => {
      const passes = controllablePasses<void>();
      const onError = jest.fn();
      const task = new PeriodicTask({ run: passes.run, onError, timing: { everyMs: 1000 } });
      task.start();
      await jest.advanceTimersByTimeAsync(1000);
      await passes.fail(new Error('database down'));
      expect(onError).toHaveBeenCalledWith(new Error('database down'));
      await jest.advanceTimersByTimeAsync(1000);
      expect(passes.started).toBe(2);
      await passes.finish();
      await task.stop();
    });
  });

  describe('as a chain of timers', () => {
    it('runs first after firstAfterMs, then next(outcome) after each pass ends, failed or not', async () => {
      const passes = controllablePasses<string>();
      const seen: PassOutcome<string>[] = [];
      const onError = jest.fn();
      const next = (outcome: PassOutcome<string>) => {
        seen.push(outcome);
        return outcome.ok && outcome.value === 'more' ? 0 : 5000;
      };
      const task = new PeriodicTask({ run: passes.run, onError, timing: { firstAfterMs: 0, next } });
      task.start();
      await jest.advanceTimersByTimeAsync(0);
      expect(passes.started).toBe(1);
      await passes.finish('more');
      await jest.advanceTimersByTimeAsync(0);
      expect(passes.started).toBe(2);
      await passes.finish('idle');
      await jest.advanceTimersByTimeAsync(4999);
      expect(passes.started).toBe(2);
      await jest.advanceTimersByTimeAsync(1);
      expect(passes.started).toBe(3);
      await passes.fail(new Error('lost lease'));
      expect(onError).toHaveBeenCalledTimes(1);
      expect(seen).toEqual([{ ok: true, value: 'more' }, { ok: true, value: 'idle' }, { ok: false }]);
      await jest.advanceTimersByTimeAsync(5000);
      expect(passes.started).toBe(4);
      await passes.finish('idle');
      await task.stop();
    });
  });

  it.each([
    ['a fixed interval', { everyMs: 1000 }],
    ['a chain of timers', { firstAfterMs: 1000, next: () => 1000 }],
  ])('on %s, stop waits for the pass in flight and no pass starts after it', async (_name, timing) => {
    const passes = controllablePasses<void>();
    const task = new PeriodicTask({ run: passes.run, onError: jest.fn(), timing });
    task.start();
    await jest.advanceTimersByTimeAsync(1000);
    expect(passes.started).toBe(1);
    let stopped = false;
    const stopping = task.stop().then(() => (stopped = true));
    await flush();
    expect(stopped).toBe(false);
    await passes.finish();
    await stopping;
    expect(stopped).toBe(true);
    await jest.advanceTimersByTimeAsync(10_000);
    expect(passes.started).toBe(1);
  });

  it('stops at once when no pass is running', async () => {
    const passes = controllablePasses<void>();
    const task = new PeriodicTask({ run: passes.run, onError: jest.fn(), timing: { firstAfterMs: 0, next: () => 1 } });
    await task.stop();
    task.start();
    await jest.advanceTimersByTimeAsync(10);
    expect(passes.started).toBe(0);
  });

  it.each([
    ['a fixed interval', { everyMs: 1000 }],
    ['a chain of timers', { firstAfterMs: 1000, next: () => 1000 }],
  ])('on %s, its timers never keep the process alive', async (_name, timing) => {
    jest.useRealTimers();
    const setInterval = jest.spyOn(global, 'setInterval');
    const setTimeout = jest.spyOn(global, 'setTimeout');
    const task = new PeriodicTask({ run: async () => undefined, onError: jest.fn(), timing });
    task.start();
    const timers = [...setInterval.mock.results, ...setTimeout.mock.results].map((r) => r.value as NodeJS.Timeout);
    expect(timers).toHaveLength(1);
    expect(timers[0]!.hasRef()).toBe(false);
    await task.stop();
    setInterval.mockRestore();
    setTimeout.mockRestore();
  });
});
