import { Body, Controller, Get, Headers, Param, ParseUUIDPipe, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiHeader, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { errors } from '@lib/errors';
import type { AuthUser } from '../auth/auth-user';
import { CurrentUser } from '../auth/auth.decorators';
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
  constructor(private readonly uploads: UploadService) {}

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
  @ApiOperation({ summary: "An upload's status, with the image once READY" })
  @ApiOkResponse({ type: UploadStatusDto })
  status(@CurrentUser() user: AuthUser, @Param('uploadId', uuidPipe) uploadId: string): Promise<UploadStatusDto> {
    return this.uploads.status(user, uploadId);
  }
}
