import { createServer, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { APP_CONFIG, ApiConfig } from '@lib/config';
import { ApiMetrics } from './api.metrics';

/**
 * Prometheus metrics on their own listener (API_METRICS_PORT), never on the public one: route
 * counts and latencies tell an outsider what is being used and how hard, and the scrape itself
 * costs CPU nobody outside should be able to spend.
 */
@Injectable()
export class ApiMetricsServer implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(ApiMetricsServer.name);
  private server?: Server;

  constructor(
    @Inject(APP_CONFIG) private readonly config: ApiConfig,
    private readonly metrics: ApiMetrics,
  ) {}

  get port(): number | undefined {
    return (this.server?.address() as AddressInfo | null)?.port;
  }

  async onApplicationBootstrap(): Promise<void> {
    this.server = createServer((request, response) => {
      if (request.method === 'GET' && request.url === '/metrics') {
        void this.metrics.registry.metrics().then(
          (body) => response.writeHead(200, { 'content-type': this.metrics.registry.contentType }).end(body),
          () => response.writeHead(500).end(),
        );
        return;
      }
      response.writeHead(404).end();
    });
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(this.config.metrics.port, this.config.metrics.host, resolve);
    });
    this.logger.log({ msg: 'metrics listening', host: this.config.metrics.host, port: this.port });
  }

  async onModuleDestroy(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
