import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { APP_CONFIG, ApiConfig } from '@lib/config';
import { MetricsListener } from '@lib/observability';
import { ApiMetrics } from './api.metrics';

/** The API's metrics on API_METRICS_PORT, apart from the public listener. */
@Injectable()
export class ApiMetricsServer implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(ApiMetricsServer.name);
  private readonly listener: MetricsListener;

  constructor(
    @Inject(APP_CONFIG) private readonly config: ApiConfig,
    metrics: ApiMetrics,
  ) {
    this.listener = new MetricsListener(metrics.registry);
  }

  get port(): number | undefined {
    return this.listener.port;
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.listener.listen(this.config.metrics.port, this.config.metrics.host);
    this.logger.log({ msg: 'metrics listening', host: this.config.metrics.host, port: this.port });
  }

  async onModuleDestroy(): Promise<void> {
    await this.listener.close();
  }
}
