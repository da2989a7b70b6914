import { Body, Controller, Get, HttpCode, Post, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation } from '@nestjs/swagger';
import type { AuthUser } from '../auth/auth-user';
import { AdminApi, CurrentUser } from '../auth/auth.decorators';
import { DlqQueryDto, DlqRedriveRequestDto, DlqRedriveResultDto, DlqSummaryDto } from './admin-dlq.dto';
import { AdminDlqService } from './admin-dlq.service';

@AdminApi()
@Controller('v1/admin/dlq')
export class AdminDlqController {
  constructor(private readonly dlq: AdminDlqService) {}

  @Get()
  @ApiOperation({
    summary: 'Dead-letter queue: count, oldest age and a sample',
    description: 'Reads without consuming: sampled messages are hidden for a few seconds, then handed back.',
  })
  @ApiOkResponse({ type: DlqSummaryDto })
  inspect(@CurrentUser() user: AuthUser, @Query() query: DlqQueryDto): Promise<DlqSummaryDto> {
    return this.dlq.inspect(user, query.limit);
  }

  @Post('redrive')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Move dead letters back to the uploads queue (all, or by message id)',
    description:
      'Idempotent: an id no longer in the DLQ is reported missing, not moved. Forwarder failures are replayed ' +
      'as the upload events the forwarder would have sent. "all" moves at most 1000 per call.',
  })
  @ApiOkResponse({ type: DlqRedriveResultDto })
  redrive(@CurrentUser() user: AuthUser, @Body() body: DlqRedriveRequestDto): Promise<DlqRedriveResultDto> {
    return this.dlq.redrive(user, body);
  }
}
