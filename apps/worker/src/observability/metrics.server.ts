import { createServer, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { SqsService } from '@ssut/nestjs-sqs';
import { APP_CONFIG, WorkerConfig } from '@lib/config';
import { WorkerMetrics } from './worker.metrics';

/** A small HTTP port for Prometheus and the container health check. */
@Injectable()
export class MetricsServer implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(MetricsServer.name);
  private server?: Server;

  constructor(
    @Inject(APP_CONFIG) private readonly config: WorkerConfig,
    private readonly metrics: WorkerMetrics,
    private readonly sqs: SqsService,
  ) {}

  get port(): number | undefined {
    return (this.server?.address() as AddressInfo | null)?.port;
  }

  async onApplicationBootstrap(): Promise<void> {
    this.server = createServer((request, response) => {
      if (request.url === '/metrics') {
        void this.metrics.registry.metrics().then((body) => {
          response.writeHead(200, { 'content-type': this.metrics.registry.contentType }).end(body);
        });
        return;
      }
      if (request.url === '/healthz') {
        const running = [...this.sqs.consumers.values()].every((c) => c.instance.status.isRunning);
        response
          .writeHead(running ? 200 : 503, { 'content-type': 'application/json' })
          .end(JSON.stringify({ status: running ? 'ok' : 'stopping' }));
        return;
      }
      response.writeHead(404).end();
    });
    await new Promise<void>((resolve) =>
      this.server!.listen(this.config.metrics.port, this.config.metrics.host, resolve),
    );
    this.logger.log({ msg: 'metrics listening', port: this.port });
  }

  async onModuleDestroy(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
