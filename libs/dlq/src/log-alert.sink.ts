import type { AlertSink, DlqAlert } from './alert-sink';
import type { AlertLogger } from './slack-alert.sink';
import { renderSlackAlert } from './slack-alert.renderer';

/** Without SLACK_WEBHOOK_URL the same alert goes to the log at warn level, for log-based alarms. */
export class LogAlertSink implements AlertSink {
  readonly kind = 'log' as const;

  constructor(private readonly logger: Pick<AlertLogger, 'warn'>) {}

  async deliver(alert: DlqAlert): Promise<boolean> {
    this.logger.warn({
      msg: `DLQ alert (${alert.kind}): ${renderSlackAlert(alert).text}`,
      alert: alert.kind,
      queue: alert.queueName,
      depth: alert.depth,
      oldestAgeSeconds: alert.oldestAgeSeconds,
      samples: alert.samples.map((s) => ({
        messageId: s.messageId,
        stage: s.stage,
        objectKeys: s.objectKeys,
        reason: s.reason,
        receiveCount: s.receiveCount,
      })),
    });
    return true;
  }
}
