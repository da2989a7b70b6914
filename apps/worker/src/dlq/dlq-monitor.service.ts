import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { APP_CONFIG, WorkerConfig } from '@lib/config';
import { WorkerMetrics } from '../observability/worker.metrics';
import { PeriodicTask, PeriodicTaskHost } from '../scheduling/periodic-task';
import { DlqAlertStateRepository, StoredDlqAlertState, VersionedDlqAlertState } from '@lib/database';
import {
  ALERT_SINK,
  AlertDecision,
  AlertSink,
  AlertState,
  AlertStatus,
  decideAlert,
  DlqAlert,
  DlqPeek,
  DlqRepository,
  DlqStats,
  INITIAL_ALERT_STATE,
  MAX_ALERT_SAMPLES,
  newerState,
} from '@lib/dlq';

const PEEK_FOR_AGE = 10;

export interface MonitorCheck {
  stats: DlqStats;
  decision: AlertDecision;
  /** false when another worker task made this decision first (it sends the alert). */
  owned: boolean;
  delivered?: boolean;
}

function toStored(state: AlertState): StoredDlqAlertState {
  const date = (ms: number | null) => (ms === null ? null : new Date(ms));
  return {
    status: state.status,
    firstSeenAt: date(state.firstSeenAt),
    lastAlertAt: date(state.lastAlertAt),
    lastAlertDepth: state.lastAlertDepth,
    lastDepth: state.lastDepth,
    peakDepth: state.peakDepth,
    changedAt: new Date(state.changedAt),
  };
}

function fromStored(stored: StoredDlqAlertState): AlertState {
  return {
    status: (['idle', 'pending', 'alerting'].includes(stored.status) ? stored.status : 'idle') as AlertStatus,
    firstSeenAt: stored.firstSeenAt?.getTime() ?? null,
    lastAlertAt: stored.lastAlertAt?.getTime() ?? null,
    lastAlertDepth: stored.lastAlertDepth,
    lastDepth: stored.lastDepth,
    peakDepth: stored.peakDepth,
    changedAt: stored.changedAt.getTime(),
  };
}

/**
 * Watches the uploads DLQ and alerts a person (Slack, or the log without a webhook).
 *
 * It runs beside the SQS consumer on its own timer and never touches the uploads queue, so
 * a slow or failing Slack cannot hold up message processing. It only reads the DLQ: depth
 * from queue attributes, and at alert time a short peek for samples that hands the messages
 * straight back (never deletes, never keeps them in flight).
 *
 * With N worker tasks, each one runs a monitor, but the alert state lives in Postgres and
 * every change is a compare-and-set on its version: of the tasks that see the same change,
 * one wins and alerts, the others see they lost and stay quiet, so Slack gets one alert per
 * window, not N. The state also survives deploys (no re-alert on every restart). If Postgres
 * is unreachable (a common reason for a filling DLQ), each task falls back to its own copy
 * and alerts on its own: possibly N duplicate alerts, never silence. Its copy is written
 * back when Postgres returns, if it is the newer one.
 */
@Injectable()
export class DlqMonitorService extends PeriodicTaskHost {
  private readonly logger = new Logger(DlqMonitorService.name);
  private readonly shutdown = new AbortController();
  private local: AlertState = INITIAL_ALERT_STATE;
  protected readonly task = new PeriodicTask({
    run: () => this.check(),
    onError: (error) => this.logger.error({ msg: 'DLQ check failed', error: String(error) }),
    // The monitor alone must never keep the process alive (the task's timers are unref'd).
    timing: { firstAfterMs: 0, next: () => this.nextDelayMs() },
  });
  private storeDown = false;

  constructor(
    @Inject(APP_CONFIG) private readonly config: WorkerConfig,
    private readonly dlq: DlqRepository,
    private readonly states: DlqAlertStateRepository,
    @Inject(ALERT_SINK) private readonly sink: AlertSink,
    @Optional() private readonly metrics?: WorkerMetrics,
  ) {
    super();
  }

  override onApplicationBootstrap(): void {
    this.logger.log({
      msg: 'DLQ monitor started',
      queue: this.dlq.queueName,
      sink: this.sink.kind,
      pollSeconds: this.config.dlq.alerts.pollSeconds,
    });
    super.onApplicationBootstrap();
  }

  override onModuleDestroy(): Promise<void> {
    this.shutdown.abort();
    return super.onModuleDestroy();
  }

  /** One observation and whatever it calls for. Never throws. */
  async check(): Promise<MonitorCheck | undefined> {
    let stats: DlqStats;
    try {
      stats = await this.dlq.stats();
    } catch (error) {
      this.metrics?.queueErrors.inc({ poller: 'dlq-monitor', kind: 'error' });
      this.logger.warn({ msg: 'DLQ depth unavailable; checking again next interval', error: String(error) });
      return undefined;
    }
    const now = Date.now();
    const queue = this.dlq.queueName;
    const shared = await this.loadShared(queue);
    const base =
      shared === undefined ? this.local : newerState(shared ? fromStored(shared.state) : this.local, this.local);
    const { alerts } = this.config.dlq;
    const decision = decideAlert(base, now, stats.depth, {
      settleMs: alerts.settleSeconds * 1000,
      windowMs: alerts.windowSeconds * 1000,
      reminderMs: alerts.reminderSeconds * 1000,
    });
    // A local copy newer than the shared one (written while Postgres was down) goes back too.
    const mustWrite = decision.changed || (shared !== undefined && base === this.local && base !== INITIAL_ALERT_STATE);
    let version: number | null | undefined;
    if (mustWrite && shared !== undefined) {
      version = await this.saveShared(queue, decision.state, shared?.version ?? null);
      if (version === null) {
        this.local = shared ? fromStored(shared.state) : this.local;
        return { stats, decision, owned: false };
      }
    }
    this.local = decision.state;
    if (!decision.alert) return { stats, decision, owned: true };

    const delivered = await this.sink.deliver(await this.compose(decision, base, stats, now), this.shutdown.signal);
    if (!delivered) {
      // Undo the claim, so the next check (here or in another task) tries this alert again.
      this.local = base;
      if (typeof version === 'number') await this.saveShared(queue, { ...base, changedAt: now }, version);
    }
    return { stats, decision, owned: true, delivered };
  }

  private async compose(
    decision: AlertDecision,
    previous: AlertState,
    stats: DlqStats,
    now: number,
  ): Promise<DlqAlert> {
    const kind = decision.alert!;
    let peek: DlqPeek | undefined;
    if (kind !== 'recovered') {
      try {
        // One receive's worth: more messages make the oldest age closer to the truth.
        peek = await this.dlq.peek(PEEK_FOR_AGE);
      } catch (error) {
        // An alert without samples beats no alert.
        this.metrics?.queueErrors.inc({ poller: 'dlq-monitor', kind: 'error' });
        this.logger.warn({ msg: 'DLQ peek failed; alerting without samples', error: String(error) });
      }
    }
    const firstSeenAt = previous.firstSeenAt ?? decision.state.firstSeenAt;
    return {
      kind,
      queueName: this.dlq.queueName,
      depth: stats.depth,
      previousDepth: previous.lastAlertDepth,
      peakDepth: Math.max(previous.peakDepth, stats.depth),
      firstSeenAt: firstSeenAt === null ? null : new Date(firstSeenAt),
      oldestAgeSeconds: peek?.oldestAgeSeconds ?? null,
      samples: peek?.messages.slice(0, MAX_ALERT_SAMPLES) ?? [],
      at: new Date(now),
    };
  }

  /** undefined: Postgres is unreachable; null: no row yet. */
  private async loadShared(queue: string): Promise<VersionedDlqAlertState | null | undefined> {
    try {
      const loaded = await this.states.load(queue);
      if (this.storeDown) this.logger.log({ msg: 'DLQ alert state store is back' });
      this.storeDown = false;
      return loaded;
    } catch (error) {
      this.markStoreDown(error);
      return undefined;
    }
  }

  private async saveShared(
    queue: string,
    state: AlertState,
    expected: number | null,
  ): Promise<number | null | undefined> {
    try {
      return await this.states.save(queue, toStored(state), expected);
    } catch (error) {
      this.markStoreDown(error);
      return undefined;
    }
  }

  private markStoreDown(error: unknown): void {
    if (!this.storeDown) {
      this.logger.warn({
        msg: 'DLQ alert state store unreachable; this task alerts on its own until it is back',
        error: String(error),
      });
    }
    this.storeDown = true;
  }

  /** While a first alert is settling, look again sooner, so it still goes out within a minute. */
  private nextDelayMs(): number {
    const { pollSeconds, settleSeconds } = this.config.dlq.alerts;
    if (this.local.status !== 'pending') return pollSeconds * 1000;
    return Math.max(1000, Math.min(pollSeconds * 1000, (settleSeconds * 1000) / 2));
  }
}
