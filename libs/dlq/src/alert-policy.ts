/**
 * When the DLQ monitor speaks. Pure: (previous state, now, depth) → (next state, alert?), so
 * every rule is tested with a fake clock and the state can live anywhere (Postgres here).
 *
 * - idle → pending on the first sighting: the first alert waits for a burst to stop growing
 *   (at most `settleMs`), so 50 failures arrive as one alert saying 50, not 1 then 49.
 * - pending → alerting with the `first` alert.
 * - alerting: at most one alert per `windowMs`: an `update` when the count grew past what the
 *   last alert said, a `reminder` every `reminderMs` while it stays non-empty, `recovered`
 *   once it is empty (also held back until the window has passed, so a queue that drains and
 *   refills does not page twice in a window).
 */
export type AlertStatus = 'idle' | 'pending' | 'alerting';
export type AlertKind = 'first' | 'update' | 'reminder' | 'recovered';

export interface AlertState {
  status: AlertStatus;
  /** When this incident was first seen (ms since epoch). */
  firstSeenAt: number | null;
  lastAlertAt: number | null;
  /** The count the last alert reported. */
  lastAlertDepth: number;
  /** The count at the previous check while pending (to see a burst still growing). */
  lastDepth: number;
  peakDepth: number;
  /** When this state last changed; the newer of two copies wins (see newerState). */
  changedAt: number;
}

export interface AlertPolicyOptions {
  settleMs: number;
  windowMs: number;
  reminderMs: number;
}

export type QuietReason =
  'empty' | 'settling' | 'drained-before-alert' | 'within-window' | 'recovery-held-for-window' | 'no-change';

export interface AlertDecision {
  state: AlertState;
  /** Whether `state` differs from the previous one (the caller only writes when it does). */
  changed: boolean;
  alert: AlertKind | null;
  /** Why no alert went out, for logs and tests. */
  quiet?: QuietReason;
}

export const INITIAL_ALERT_STATE: AlertState = Object.freeze({
  status: 'idle',
  firstSeenAt: null,
  lastAlertAt: null,
  lastAlertDepth: 0,
  lastDepth: 0,
  peakDepth: 0,
  changedAt: 0,
});

function quiet(state: AlertState, reason: QuietReason): AlertDecision {
  return { state, changed: false, alert: null, quiet: reason };
}

function alert(state: AlertState, now: number, depth: number, kind: AlertKind): AlertDecision {
  if (kind === 'recovered') return { state: { ...INITIAL_ALERT_STATE, changedAt: now }, changed: true, alert: kind };
  return {
    state: {
      ...state,
      status: 'alerting',
      firstSeenAt: state.firstSeenAt ?? now,
      lastAlertAt: now,
      lastAlertDepth: depth,
      lastDepth: depth,
      peakDepth: Math.max(state.peakDepth, depth),
      changedAt: now,
    },
    changed: true,
    alert: kind,
  };
}

export function decideAlert(prev: AlertState, now: number, depth: number, options: AlertPolicyOptions): AlertDecision {
  switch (prev.status) {
    case 'idle': {
      if (depth === 0) return quiet(prev, 'empty');
      if (options.settleMs <= 0) return alert(prev, now, depth, 'first');
      const state: AlertState = {
        ...INITIAL_ALERT_STATE,
        status: 'pending',
        firstSeenAt: now,
        lastDepth: depth,
        peakDepth: depth,
        changedAt: now,
      };
      return { state, changed: true, alert: null, quiet: 'settling' };
    }
    case 'pending': {
      if (depth === 0) {
        // Someone redrove it before anyone was told: nothing to recover from.
        return {
          state: { ...INITIAL_ALERT_STATE, changedAt: now },
          changed: true,
          alert: null,
          quiet: 'drained-before-alert',
        };
      }
      const growing = depth > prev.lastDepth;
      const settling = now - (prev.firstSeenAt ?? now) < options.settleMs;
      if (growing && settling) {
        const state = { ...prev, lastDepth: depth, peakDepth: Math.max(prev.peakDepth, depth), changedAt: now };
        return { state, changed: true, alert: null, quiet: 'settling' };
      }
      return alert(prev, now, depth, 'first');
    }
    case 'alerting': {
      const sinceAlert = now - (prev.lastAlertAt ?? 0);
      if (depth === 0) {
        return sinceAlert >= options.windowMs
          ? alert(prev, now, depth, 'recovered')
          : quiet(prev, 'recovery-held-for-window');
      }
      if (sinceAlert < options.windowMs) {
        if (depth <= prev.peakDepth) return quiet(prev, 'within-window');
        return {
          state: { ...prev, peakDepth: depth, changedAt: now },
          changed: true,
          alert: null,
          quiet: 'within-window',
        };
      }
      if (depth > prev.lastAlertDepth) return alert(prev, now, depth, 'update');
      if (sinceAlert >= options.reminderMs) return alert(prev, now, depth, 'reminder');
      return quiet(prev, 'no-change');
    }
  }
}

/**
 * Of two copies of the state (the shared one in Postgres and this task's own), the one that
 * changed last. The local copy only gets ahead while the shared store is unreachable.
 */
export function newerState(a: AlertState, b: AlertState): AlertState {
  return b.changedAt > a.changedAt ? b : a;
}
