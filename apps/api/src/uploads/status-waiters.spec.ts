import { AppError, ErrorCode } from '@lib/errors';
import { StatusWaiters } from './status-waiters';

describe('StatusWaiters', () => {
  const never = new AbortController().signal;

  it('remembers a change that came while the waiter was not waiting', async () => {
    const waiter = new StatusWaiters(10, 10).acquire('u');
    waiter.notify();
    await expect(waiter.wait(60_000, never)).resolves.toBe('changed');
  });

  it('wakes on a change, on its client leaving, and on its deadline', async () => {
    const waiter = new StatusWaiters(10, 10).acquire('u');
    const changed = waiter.wait(60_000, never);
    waiter.notify();
    await expect(changed).resolves.toBe('changed');

    const client = new AbortController();
    const gone = waiter.wait(60_000, client.signal);
    client.abort();
    await expect(gone).resolves.toBe('gone');

    await expect(waiter.wait(1, never)).resolves.toBe('timeout');
  });

  it('answers every held wait, and every later one, on shutdown', async () => {
    const waiters = new StatusWaiters(10, 10);
    const waiter = waiters.acquire('u');
    const held = waiter.wait(60_000, never);
    waiters.wakeAll();
    await expect(held).resolves.toBe('shutdown');
    await expect(waiter.wait(60_000, never)).resolves.toBe('shutdown');
    expect(waiters.shuttingDown).toBe(true);
  });

  it('caps waiters per user (429) and per process (503), and gives slots back once', () => {
    const waiters = new StatusWaiters(3, 2);
    const a1 = waiters.acquire('a');
    waiters.acquire('a');
    expect(() => waiters.acquire('a')).toThrow(expect.objectContaining({ code: ErrorCode.RateLimited }));
    waiters.acquire('b');
    const overloaded = (() => {
      try {
        waiters.acquire('c');
      } catch (error) {
        return error as AppError;
      }
    })();
    expect(overloaded?.code).toBe(ErrorCode.Overloaded);

    a1.close();
    a1.close();
    expect(waiters.size).toBe(2);
    expect(() => waiters.acquire('a')).not.toThrow();
    expect(() => waiters.acquire('a')).toThrow();
  });
});
