import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { SqsService } from '@ssut/nestjs-sqs';
import { APP_CONFIG, WorkerConfig } from '@lib/config';
import { MetricsListener } from '@lib/observability';
import { WorkerMetrics } from './worker.metrics';

/** The worker's metrics and the container health check (`/healthz`) on WORKER_METRICS_PORT. */
@Injectable()
export class MetricsServer implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(MetricsServer.name);
  private readonly listener: MetricsListener;

  constructor(
    @Inject(APP_CONFIG) private readonly config: WorkerConfig,
    metrics: WorkerMetrics,
    sqs: SqsService,
  ) {
    this.listener = new MetricsListener(metrics.registry, {
      // 503 once a poller has stopped (shutting down, or its consumer died), so the container
      // health check takes this task out.
      '/healthz': (response) => {
        const running = [...sqs.consumers.values()].every((c) => c.instance.status.isRunning);
        response
          .writeHead(running ? 200 : 503, { 'content-type': 'application/json' })
          .end(JSON.stringify({ status: running ? 'ok' : 'stopping' }));
      },
    });
  }

  get port(): number | undefined {
    return this.listener.port;
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.listener.listen(this.config.metrics.port, this.config.metrics.host);
    this.logger.log({ msg: 'metrics listening', port: this.port });
  }

  async onModuleDestroy(): Promise<void> {
    await this.listener.close();
  }
}
