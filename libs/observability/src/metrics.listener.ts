import { createServer, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';

/** GET routes a process serves beside `/metrics` on the same private port (a health check). */
export type MetricsRoutes = Record<string, (response: ServerResponse) => void>;

/**
 * Prometheus metrics on a listener of their own, never on a public port: route counts and
 * latencies tell an outsider what is used and how hard, and a scrape costs CPU that nobody
 * outside should be able to spend. Anything but the known GET routes is a 404.
 */
export class MetricsListener {
  private server?: Server;

  constructor(
    private readonly registry: Registry,
    private readonly routes: MetricsRoutes = {},
  ) {}

  get port(): number | undefined {
    return (this.server?.address() as AddressInfo | null)?.port;
  }

  async listen(port: number, host: string): Promise<void> {
    const server = createServer((request, response) => {
      const route = request.method === 'GET' ? request.url : undefined;
      if (route === '/metrics') {
        void this.registry.metrics().then(
          (body) => response.writeHead(200, { 'content-type': this.registry.contentType }).end(body),
          () => response.writeHead(500).end(),
        );
      } else if (route !== undefined && Object.hasOwn(this.routes, route)) {
        this.routes[route]!(response);
      } else {
        response.writeHead(404).end();
      }
    });
    this.server = server;
    // A taken port fails the boot instead of leaving a process nobody can scrape.
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, resolve);
    });
  }

  async close(): Promise<void> {
    const server = this.server;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
