import { Controller, Get, HttpCode, Res } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Public } from '../auth/auth.decorators';
import { HealthService } from './health.service';

@ApiTags('operations')
@Public()
@Controller()
export class HealthController {
  constructor(private readonly health: HealthService) {}

  @Get('healthz')
  @HttpCode(200)
  @ApiOperation({ summary: 'Liveness: the process answers' })
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @Get('readyz')
  @ApiOperation({ summary: 'Readiness: PostgreSQL, S3 and SQS reachable (503 otherwise)' })
  async ready(@Res({ passthrough: true }) reply: FastifyReply): Promise<unknown> {
    const result = await this.health.readiness();
    reply.status(result.ready ? 200 : 503);
    return { status: result.ready ? 'ready' : 'not-ready', checks: result.checks };
  }
}
