import { Injectable } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/** A registry per app instance (not prom-client's global one), so tests can run several. */
@Injectable()
export class ApiMetrics {
  readonly registry = new Registry();

  readonly requests = new Counter({
    name: 'http_requests_total',
    help: 'HTTP requests by route template, method and status',
    labelNames: ['route', 'method', 'status'] as const,
    registers: [this.registry],
  });

  readonly latency = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request latency by route template, method and status',
    labelNames: ['route', 'method', 'status'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });

  readonly uploadsIssued = new Counter({
    name: 'uploads_issued_total',
    help: 'Upload sessions created (presigned URLs issued)',
    labelNames: ['thumbnail', 'multipart'] as const,
    registers: [this.registry],
  });

  readonly renderOriginalReads = new Counter({
    name: 'render_original_reads_total',
    help: 'Originals the render route used: s3 (read into memory for this render), cache (no read of its own) or file (a large one, spooled to a scratch file)',
    labelNames: ['source'] as const,
    registers: [this.registry],
  });

  readonly statusWaiters = new Gauge({
    name: 'upload_status_waiters',
    help: 'Status long-polls (GET /v1/uploads/:id?wait=N) this process holds now',
    registers: [this.registry],
  });

  readonly statusWakes = new Counter({
    name: 'upload_status_wakes_total',
    help: 'Why held status long-polls woke: changed (a notification), timeout, gone (client left), shutdown',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }

  observe(route: string, method: string, status: number, seconds: number): void {
    const labels = { route, method, status: String(status) };
    this.requests.inc(labels);
    this.latency.observe(labels, seconds);
  }
}
