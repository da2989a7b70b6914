import type { AlertKind } from './alert-policy';
import type { DeadLetter } from './dead-letter.envelope';

/** Everything an alert says, whatever carries it. */
export interface DlqAlert {
  kind: AlertKind;
  queueName: string;
  depth: number;
  /** The count the previous alert reported (an `update` says what it grew from). */
  previousDepth: number;
  peakDepth: number;
  firstSeenAt: Date | null;
  /** Among the sampled messages; null when none could be read. */
  oldestAgeSeconds: number | null;
  /** At most five. */
  samples: DeadLetter[];
  at: Date;
}

/**
 * Where alerts go. `deliver` never throws: it resolves false when the alert could not be
 * delivered (after its own retries), so the monitor can try again on a later check.
 */
export interface AlertSink {
  readonly kind: 'slack' | 'log';
  deliver(alert: DlqAlert, signal?: AbortSignal): Promise<boolean>;
}

export const ALERT_SINK = Symbol('ALERT_SINK');

export const MAX_ALERT_SAMPLES = 5;
