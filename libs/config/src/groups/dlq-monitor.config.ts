import { z } from 'zod';
import { ConfigOf, envInt } from '../env-values';

/** The worker's DLQ monitor and its Slack alerts. */
export const dlqMonitorEnv = z.object({
  SLACK_WEBHOOK_URL: z.string().url().optional(),
  // Poll plus settle stays well under a minute, so the first alert goes out within 60 s.
  DLQ_ALERT_POLL_SECONDS: envInt(1, 3600).default(30),
  DLQ_ALERT_SETTLE_SECONDS: envInt(0, 300).default(10),
  DLQ_ALERT_WINDOW_SECONDS: envInt(1, 24 * 3600).default(300),
  DLQ_ALERT_REMINDER_SECONDS: envInt(1, 7 * 24 * 3600).default(3600),
  SLACK_TIMEOUT_MS: envInt(100, 60_000).default(5_000),
  SLACK_MAX_RETRIES: envInt(0, 10).default(4),
  SLACK_RETRY_BASE_MS: envInt(1, 60_000).default(1_000),
});

export type DlqMonitorEnv = z.output<typeof dlqMonitorEnv>;

export function toDlqAlertConfig(env: DlqMonitorEnv) {
  return {
    pollSeconds: env.DLQ_ALERT_POLL_SECONDS,
    /** The first alert waits up to this long for a burst to stop growing, to report one count. */
    settleSeconds: env.DLQ_ALERT_SETTLE_SECONDS,
    /** At most one alert per queue per window. */
    windowSeconds: env.DLQ_ALERT_WINDOW_SECONDS,
    reminderSeconds: env.DLQ_ALERT_REMINDER_SECONDS,
  };
}

export function toSlackConfig(env: DlqMonitorEnv) {
  return {
    /** Unset: alerts are logged at warn level instead. */
    webhookUrl: env.SLACK_WEBHOOK_URL,
    timeoutMs: env.SLACK_TIMEOUT_MS,
    maxRetries: env.SLACK_MAX_RETRIES,
    retryBaseMs: env.SLACK_RETRY_BASE_MS,
  };
}

export type DlqAlertConfig = ConfigOf<ReturnType<typeof toDlqAlertConfig>>;
export type SlackConfig = ConfigOf<ReturnType<typeof toSlackConfig>>;
