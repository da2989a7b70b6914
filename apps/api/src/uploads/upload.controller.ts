import { Body, Controller, Get, Headers, Param, ParseUUIDPipe, Post, Query } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiCreatedResponse,
  ApiHeader,
  ApiOkResponse,
  ApiOperation,
  ApiServiceUnavailableResponse,
  ApiTags,
  ApiTooManyRequestsResponse,
} from '@nestjs/swagger';
import { errors } from '@lib/errors';
import type { AuthUser } from '../auth/auth-user';
import { CurrentUser } from '../auth/auth.decorators';
import { ClientGone } from '../common/client-gone.decorator';
import { UploadStatusQueryDto } from './upload-status.dto';
import { UploadStatusService } from './upload-status.service';
import { CreateUploadDto, UploadSessionDto, UploadStatusDto } from './upload.dto';
import { UploadService } from './upload.service';

export const uuidPipe = new ParseUUIDPipe({
  version: '4',
  exceptionFactory: () => errors.validationFailed([{ field: 'uploadId', message: 'must be a UUID' }]),
});

@ApiTags('uploads')
@ApiBearerAuth()
@Controller('v1/uploads')
export class UploadController {
  constructor(
    private readonly uploads: UploadService,
    private readonly statuses: UploadStatusService,
  ) {}

  @Post()
  @ApiOperation({ summary: 'Start an upload: presigned PUT URLs for the original (and thumbnail)' })
  @ApiCreatedResponse({ type: UploadSessionDto })
  @ApiHeader({
    name: 'Idempotency-Key',
    required: false,
    description: 'Same key and body within 24 h return the same upload; another body is refused (422).',
  })
  create(
    @CurrentUser() user: AuthUser,
    @Body() body: CreateUploadDto,
    @Headers('idempotency-key') idempotencyKey?: string,
  ): Promise<UploadSessionDto> {
    return this.uploads.create(user, body, idempotencyKey);
  }

  @Get(':uploadId')
  @ApiOperation({
    summary: "An upload's status, with the image once READY",
    description:
      'With `wait=N` the request is held (long-poll) until the worker has decided, so a client learns ' +
      'READY or REJECTED as soon as it is stored, without polling.',
  })
  @ApiOkResponse({ type: UploadStatusDto })
  @ApiTooManyRequestsResponse({
    description: 'This user already holds its share of status waits (problem+json, Retry-After).',
  })
  @ApiServiceUnavailableResponse({
    description: 'This server holds its most status waits (problem+json, Retry-After).',
  })
  status(
    @CurrentUser() user: AuthUser,
    @Param('uploadId', uuidPipe) uploadId: string,
    @Query() query: UploadStatusQueryDto,
    @ClientGone() clientGone: AbortSignal,
  ): Promise<UploadStatusDto> {
    return this.statuses.status(user, uploadId, query.wait ?? 0, clientGone);
  }
}
