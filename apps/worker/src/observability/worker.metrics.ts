import { Injectable } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';

/** A registry per app instance (not prom-client's global one), so tests can run several. */
@Injectable()
export class WorkerMetrics {
  readonly registry = new Registry();

  readonly processed = new Counter({
    name: 'worker_messages_processed_total',
    help: 'Upload-event messages whose outcome was stored, by outcome',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });

  readonly rejected = new Counter({
    name: 'worker_objects_rejected_total',
    help: 'Objects refused by verification, by reason',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });

  readonly failed = new Counter({
    name: 'worker_messages_failed_total',
    help: 'Messages left for redelivery after a transient fault',
    labelNames: ['code'] as const,
    registers: [this.registry],
  });

  readonly duration = new Histogram({
    name: 'worker_message_duration_seconds',
    help: 'Time to judge and store one message',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });

  readonly backgroundFailures = new Counter({
    name: 'worker_background_item_failures_total',
    help: 'Failed attempts of background-pass items (thumbnail, renditions, expiry, erasure), each retried with backoff',
    labelNames: ['pass'] as const,
    registers: [this.registry],
  });

  readonly backgroundGaveUp = new Counter({
    name: 'worker_background_items_given_up_total',
    help: 'Background-pass items marked failed after the last attempt (listed at GET /v1/admin/background-failures)',
    labelNames: ['pass'] as const,
    registers: [this.registry],
  });

  readonly queueErrors = new Counter({
    name: 'worker_queue_errors_total',
    help: 'Errors of the SQS pollers (receive, delete, change visibility, handler), by poller and kind; each is retried with backoff',
    labelNames: ['poller', 'kind'] as const,
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }
}
