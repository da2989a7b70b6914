import { Logger, Provider } from '@nestjs/common';
import { APP_CONFIG, WorkerConfig } from '@lib/config';
import { ALERT_SINK, AlertSink, dlqRepositoryProvider, LogAlertSink, SlackAlertSink } from '@lib/dlq';
import { DlqMonitorService } from './dlq-monitor.service';

/** Slack when a webhook is configured; otherwise the same alert, logged at warn level. */
export function createAlertSink(config: WorkerConfig): AlertSink {
  const logger = new Logger('DlqAlerts');
  const { slack } = config.dlq;
  if (!slack.webhookUrl) return new LogAlertSink(logger);
  return new SlackAlertSink({
    webhookUrl: slack.webhookUrl,
    timeoutMs: slack.timeoutMs,
    maxRetries: slack.maxRetries,
    retryBaseMs: slack.retryBaseMs,
    logger,
  });
}

export const dlqMonitorProviders: Provider[] = [
  dlqRepositoryProvider,
  { provide: ALERT_SINK, inject: [APP_CONFIG], useFactory: createAlertSink },
  DlqMonitorService,
];
