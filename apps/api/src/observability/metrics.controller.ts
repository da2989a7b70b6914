import { Controller, Get, Header } from '@nestjs/common';
import { ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import { Public } from '../auth/auth.decorators';
import { ApiMetrics } from './api.metrics';

@ApiTags('operations')
@Public()
@Controller()
export class MetricsController {
  constructor(private readonly metrics: ApiMetrics) {}

  @Get('metrics')
  @Header('content-type', 'text/plain; version=0.0.4; charset=utf-8')
  @ApiProduces('text/plain')
  @ApiOperation({ summary: 'Prometheus metrics: request counts and latency by route and status, uploads issued' })
  scrape(): Promise<string> {
    return this.metrics.registry.metrics();
  }
}
