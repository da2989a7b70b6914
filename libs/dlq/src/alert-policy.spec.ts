import { AlertDecision, AlertState, decideAlert, INITIAL_ALERT_STATE, newerState } from './alert-policy';

const SECOND = 1_000;
const MINUTE = 60 * SECOND;
const OPTIONS = { settleMs: 10 * SECOND, windowMs: 5 * MINUTE, reminderMs: 60 * MINUTE };

/** Drives the policy the way the monitor does: one observation at a time, on a fake clock. */
class FakeMonitor {
  state: AlertState = INITIAL_ALERT_STATE;
  now = Date.UTC(2026, 10, 22, 9, 0, 0);
  readonly alerts: { kind: string; depth: number; at: number }[] = [];

  observe(depth: number, options = OPTIONS): AlertDecision {
    const decision = decideAlert(this.state, this.now, depth, options);
    this.state = decision.state;
    if (decision.alert) this.alerts.push({ kind: decision.alert, depth, at: this.now });
    return decision;
  }

  advance(ms: number): this {
    this.now += ms;
    return this;
  }

  /** Observes `depth` every `everyMs` for `forMs`. */
  hold(depth: number, forMs: number, everyMs = 30 * SECOND): void {
    for (let t = 0; t < forMs; t += everyMs) this.advance(everyMs).observe(depth);
  }
}

describe('decideAlert', () => {
  let monitor: FakeMonitor;
  beforeEach(() => (monitor = new FakeMonitor()));

  it('says nothing while the DLQ is empty', () => {
    monitor.hold(0, 2 * 60 * MINUTE);
    expect(monitor.alerts).toEqual([]);
    expect(monitor.observe(0)).toMatchObject({ changed: false, quiet: 'empty' });
  });

  it('sends the first alert once the count stops growing, with the settled count', () => {
    expect(monitor.observe(1)).toMatchObject({ alert: null, quiet: 'settling', changed: true });
    expect(monitor.advance(5 * SECOND).observe(1)).toMatchObject({ alert: 'first' });
    expect(monitor.alerts).toEqual([{ kind: 'first', depth: 1, at: monitor.now }]);
  });

  it('reports a burst as one alert carrying the whole count', () => {
    monitor.observe(12);
    monitor.advance(3 * SECOND).observe(37);
    monitor.advance(3 * SECOND).observe(50);
    monitor.advance(3 * SECOND).observe(50);
    expect(monitor.alerts.map((a) => [a.kind, a.depth])).toEqual([['first', 50]]);
  });

  it('does not wait longer than the settle time for a count that keeps growing', () => {
    monitor.observe(1);
    for (let depth = 2; monitor.alerts.length === 0; depth++) monitor.advance(3 * SECOND).observe(depth);
    const first = monitor.alerts[0]!;
    expect(first.kind).toBe('first');
    expect(first.at - (monitor.state.firstSeenAt ?? 0)).toBeLessThanOrEqual(OPTIONS.settleMs + 3 * SECOND);
  });

  it('alerts on first sight when settling is off', () => {
    expect(monitor.observe(3, { ...OPTIONS, settleMs: 0 })).toMatchObject({ alert: 'first' });
  });

  it('stays silent if the DLQ drains before the first alert', () => {
    monitor.observe(2);
    expect(monitor.advance(5 * SECOND).observe(0)).toMatchObject({ alert: null, quiet: 'drained-before-alert' });
    expect(monitor.state.status).toBe('idle');
    monitor.hold(0, 10 * MINUTE);
    expect(monitor.alerts).toEqual([]);
  });

  it('sends at most one alert per window however the count moves', () => {
    monitor.observe(1);
    monitor.advance(5 * SECOND).observe(1);
    for (let i = 1; i <= 9; i++) monitor.advance(30 * SECOND).observe(1 + i * 10);
    expect(monitor.alerts).toHaveLength(1);
    expect(monitor.state.peakDepth).toBe(91);
  });

  it('after the window, updates with the current count when it grew', () => {
    monitor.observe(1);
    monitor.advance(5 * SECOND).observe(1);
    monitor.advance(MINUTE).observe(20);
    monitor.advance(OPTIONS.windowMs).observe(25);
    expect(monitor.alerts.map((a) => [a.kind, a.depth])).toEqual([
      ['first', 1],
      ['update', 25],
    ]);
  });

  it('reminds every reminder period while the count stays put, and not in between', () => {
    monitor.observe(4);
    monitor.advance(5 * SECOND).observe(4);
    monitor.hold(4, 3 * 60 * MINUTE);
    expect(monitor.alerts.map((a) => a.kind)).toEqual(['first', 'reminder', 'reminder', 'reminder']);
    const gaps = monitor.alerts.slice(1).map((a, i) => a.at - monitor.alerts[i]!.at);
    for (const gap of gaps) expect(gap).toBeGreaterThanOrEqual(OPTIONS.reminderMs);
  });

  it('does not alert when the count shrinks but the DLQ is not yet empty', () => {
    monitor.observe(10);
    monitor.advance(5 * SECOND).observe(10);
    monitor.hold(3, 30 * MINUTE);
    expect(monitor.alerts.map((a) => a.kind)).toEqual(['first']);
  });

  it('sends "recovered" once drained, holding it until the window since the last alert has passed', () => {
    monitor.observe(2);
    monitor.advance(5 * SECOND).observe(2);
    expect(monitor.advance(MINUTE).observe(0)).toMatchObject({ alert: null, quiet: 'recovery-held-for-window' });
    monitor.advance(OPTIONS.windowMs).observe(0);
    expect(monitor.alerts.map((a) => a.kind)).toEqual(['first', 'recovered']);
    expect(monitor.state).toMatchObject({ status: 'idle', peakDepth: 0, lastAlertAt: null });
  });

  it('treats a drain and refill inside the window as the same incident', () => {
    monitor.observe(2);
    monitor.advance(5 * SECOND).observe(2);
    monitor.advance(MINUTE).observe(0);
    monitor.advance(MINUTE).observe(2);
    monitor.advance(OPTIONS.windowMs).observe(2);
    expect(monitor.alerts.map((a) => a.kind)).toEqual(['first']);
  });

  it('starts a new incident after recovery', () => {
    monitor.observe(1);
    monitor.advance(5 * SECOND).observe(1);
    monitor.advance(OPTIONS.windowMs).observe(0);
    monitor.advance(MINUTE).observe(7);
    monitor.advance(5 * SECOND).observe(7);
    expect(monitor.alerts.map((a) => [a.kind, a.depth])).toEqual([
      ['first', 1],
      ['recovered', 0],
      ['first', 7],
    ]);
  });

  it('leaves the state untouched (changed: false) when nothing new happened', () => {
    monitor.observe(1);
    monitor.advance(5 * SECOND).observe(1);
    const before = monitor.state;
    expect(monitor.advance(SECOND).observe(1)).toMatchObject({ changed: false, state: before });
  });
});

describe('newerState', () => {
  it('prefers the copy that changed last', () => {
    const older = { ...INITIAL_ALERT_STATE, changedAt: 1 };
    const newer = { ...INITIAL_ALERT_STATE, status: 'alerting' as const, changedAt: 2 };
    expect(newerState(older, newer)).toBe(newer);
    expect(newerState(newer, older)).toBe(newer);
  });
});
