import { AppError } from '@lib/errors';
import { RenderLimiter } from './render-limiter';

describe('RenderLimiter', () => {
  it('runs at most `concurrency` at once, queues up to `queueMax`, turns the rest away with 503', async () => {
    const limiter = new RenderLimiter(2, 3);
    let running = 0;
    let peak = 0;
    const gates: (() => void)[] = [];
    const task = () =>
      new Promise<string>((resolve) => {
        running++;
        peak = Math.max(peak, running);
        gates.push(() => {
          running--;
          resolve('done');
        });
      });
    const results = Array.from({ length: 8 }, () => limiter.run(task).catch((error: AppError) => error.status));
    await new Promise((resolve) => setImmediate(resolve));
    expect([limiter.active, limiter.queued]).toEqual([2, 3]);
    while (gates.length > 0 || running > 0) {
      gates.shift()?.();
      await new Promise((resolve) => setImmediate(resolve));
    }
    const settled = await Promise.all(results);
    expect(settled.filter((r) => r === 'done')).toHaveLength(5);
    expect(settled.filter((r) => r === 503)).toHaveLength(3);
    expect(peak).toBe(2);
    expect([limiter.active, limiter.queued]).toEqual([0, 0]);
  });

  it('frees the slot when a task fails', async () => {
    const limiter = new RenderLimiter(1, 0);
    await expect(limiter.run(() => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    await expect(limiter.run(() => Promise.resolve(1))).resolves.toBe(1);
  });
});
