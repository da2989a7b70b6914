import type { WorkerConfig } from '@lib/config';
import type { DlqAlertStateRepository, StoredDlqAlertState, VersionedDlqAlertState } from '@lib/database';
import type { AlertSink, DlqAlert, DlqPeek, DlqRepository, DlqStats } from '@lib/dlq';
import { DlqMonitorService } from './dlq-monitor.service';

const CONFIG = {
  dlq: {
    peekVisibilitySeconds: 5,
    alerts: { pollSeconds: 30, settleSeconds: 0, windowSeconds: 300, reminderSeconds: 3600 },
    slack: { timeoutMs: 1000, maxRetries: 0, retryBaseMs: 1 },
  },
} as WorkerConfig;

/** One DLQ both tasks look at; it only offers what the monitor may use (no delete, no receive). */
class FakeDlq {
  depth = 0;
  peeks = 0;
  readonly queueName = 'uploads-dlq';
  async stats(): Promise<DlqStats> {
    return { depth: this.depth, visible: this.depth, inFlight: 0, delayed: 0 };
  }
  async peek(): Promise<DlqPeek> {
    this.peeks++;
    return { stats: await this.stats(), oldestAgeSeconds: 12, messages: [] };
  }
}

/** Postgres's compare-and-set, in memory; `down` makes every call fail like a lost connection. */
class FakeStore {
  row: VersionedDlqAlertState | null = null;
  down = false;
  async load(): Promise<VersionedDlqAlertState | null> {
    if (this.down) throw new Error('connection refused');
    return this.row && { state: { ...this.row.state }, version: this.row.version };
  }
  async save(_queue: string, state: StoredDlqAlertState, expected: number | null): Promise<number | null> {
    if (this.down) throw new Error('connection refused');
    if ((this.row?.version ?? null) !== expected) return null;
    this.row = { state, version: (expected ?? -1) + 1 };
    return this.row.version;
  }
}

class FakeSink implements AlertSink {
  readonly kind = 'slack' as const;
  readonly alerts: DlqAlert[] = [];
  failing = false;
  async deliver(alert: DlqAlert): Promise<boolean> {
    if (this.failing) return false;
    this.alerts.push(alert);
    return true;
  }
}

describe('DlqMonitorService', () => {
  let now: number;
  let dlq: FakeDlq;
  let store: FakeStore;
  let sink: FakeSink;
  const monitor = () =>
    new DlqMonitorService(CONFIG, dlq as unknown as DlqRepository, store as unknown as DlqAlertStateRepository, sink);

  beforeEach(() => {
    now = Date.UTC(2026, 10, 22, 10, 0, 0);
    jest.spyOn(Date, 'now').mockImplementation(() => now);
    dlq = new FakeDlq();
    store = new FakeStore();
    sink = new FakeSink();
  });
  afterEach(() => jest.restoreAllMocks());

  it('alerts with the count, oldest age and samples it peeked', async () => {
    dlq.depth = 3;
    const check = await monitor().check();
    expect(check).toMatchObject({ owned: true, delivered: true, decision: { alert: 'first' } });
    expect(sink.alerts).toEqual([
      expect.objectContaining({ kind: 'first', queueName: 'uploads-dlq', depth: 3, oldestAgeSeconds: 12 }),
    ]);
  });

  it('with several worker tasks, one alert per change: the task that wins the write sends it', async () => {
    const tasks = [monitor(), monitor(), monitor()];
    dlq.depth = 5;
    const checks = await Promise.all(tasks.map((t) => t.check()));
    expect(sink.alerts).toHaveLength(1);
    expect(checks.filter((c) => c?.owned)).toHaveLength(1);

    now += 60_000;
    await Promise.all(tasks.map((t) => t.check()));
    expect(sink.alerts).toHaveLength(1);

    dlq.depth = 0;
    now += 300_000;
    await Promise.all(tasks.map((t) => t.check()));
    expect(sink.alerts.map((a) => a.kind)).toEqual(['first', 'recovered']);
  });

  it('does not alert again after a restart (the state outlives the task)', async () => {
    dlq.depth = 2;
    await monitor().check();
    now += 10_000;
    await monitor().check();
    expect(sink.alerts).toHaveLength(1);
  });

  it('keeps alerting from its own copy while Postgres is down, and writes it back when it returns', async () => {
    const task = monitor();
    store.down = true;
    dlq.depth = 4;
    expect(await task.check()).toMatchObject({ delivered: true, decision: { alert: 'first' } });
    now += 60_000;
    await task.check();
    expect(sink.alerts).toHaveLength(1);

    store.down = false;
    now += 60_000;
    await task.check();
    expect(store.row?.state).toMatchObject({ status: 'alerting', lastAlertDepth: 4 });
    await monitor().check();
    expect(sink.alerts).toHaveLength(1);
  });

  it('undoes its claim when the alert could not be delivered, so the next check tries again', async () => {
    const task = monitor();
    dlq.depth = 1;
    sink.failing = true;
    expect(await task.check()).toMatchObject({ delivered: false });
    expect(store.row?.state.status).toBe('idle');

    sink.failing = false;
    now += 30_000;
    expect(await task.check()).toMatchObject({ delivered: true, decision: { alert: 'first' } });
    expect(sink.alerts).toHaveLength(1);
  });

  it('does not peek for a "recovered" alert and never throws when SQS is unreachable', async () => {
    const task = monitor();
    dlq.depth = 1;
    await task.check();
    dlq.depth = 0;
    now += 300_000;
    const peeks = dlq.peeks;
    await task.check();
    expect(dlq.peeks).toBe(peeks);

    dlq.stats = () => Promise.reject(new Error('SQS down'));
    await expect(task.check()).resolves.toBeUndefined();
  });
});
