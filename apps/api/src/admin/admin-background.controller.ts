import { Body, Controller, Get, HttpCode, Post, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation } from '@nestjs/swagger';
import type { AuthUser } from '../auth/auth-user';
import { AdminApi, CurrentUser } from '../auth/auth.decorators';
import {
  BackgroundFailureListDto,
  BackgroundFailureQueryDto,
  BackgroundRetryRequestDto,
  BackgroundRetryResultDto,
} from './admin-background.dto';
import { AdminBackgroundService } from './admin-background.service';

@AdminApi()
@Controller('v1/admin/background-failures')
export class AdminBackgroundController {
  constructor(private readonly background: AdminBackgroundService) {}

  @Get()
  @ApiOperation({
    summary: "Items the worker's background passes failed on",
    description:
      'Thumbnails, renditions, expiry/reconciliation and erasure: items being retried with backoff, and those ' +
      'given up on after BACKGROUND_MAX_ATTEMPTS (failedAt set), with the last error.',
  })
  @ApiOkResponse({ type: BackgroundFailureListDto })
  list(@Query() query: BackgroundFailureQueryDto): Promise<BackgroundFailureListDto> {
    return this.background.list(query);
  }

  @Post('retry')
  @HttpCode(200)
  @ApiOperation({ summary: 'Have a failed item tried again at the next pass (audited)' })
  @ApiOkResponse({ type: BackgroundRetryResultDto })
  retry(@CurrentUser() user: AuthUser, @Body() body: BackgroundRetryRequestDto): Promise<BackgroundRetryResultDto> {
    return this.background.retry(user, body);
  }
}
