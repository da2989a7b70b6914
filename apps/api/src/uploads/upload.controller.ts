import { Body, Controller, Get, Headers, HttpCode, Post, Query } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiHeader,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiServiceUnavailableResponse,
  ApiTags,
  ApiTooManyRequestsResponse,
} from '@nestjs/swagger';
import type { AuthUser } from '../auth/auth-user';
import { CurrentUser } from '../auth/auth.decorators';
import { ClientGone } from '../common/client-gone.decorator';
import { UuidParam } from '../common/uuid-param.decorator';
import { UploadStatusQueryDto } from './upload-status.dto';
import { UploadStatusService } from './upload-status.service';
import { CreateUploadDto, SignedRequestDto, SignRequestDto, UploadSessionDto, UploadStatusDto } from './upload.dto';
import { UploadSigningService } from './upload-signing.service';
import { UploadService } from './upload.service';

@ApiTags('uploads')
@ApiBearerAuth()
@Controller('v1/uploads')
export class UploadController {
  constructor(
    private readonly uploads: UploadService,
    private readonly statuses: UploadStatusService,
    private readonly signing: UploadSigningService,
  ) {}

  @Post()
  @ApiOperation({
    summary: 'Start an upload: presigned PUT URLs for the original (and thumbnail), or a multipart session',
    description:
      'Above MULTIPART_THRESHOLD_BYTES (default 16 MiB), or with `multipart: true`, the response carries ' +
      '`multipart` (S3 upload id, part size and count); each S3 request of the session is then signed by ' +
      'POST /v1/uploads/sign. `original` (one PUT) is there whenever the size allows a single PUT ' +
      '(UPLOAD_MAX_BYTES); use one or the other.',
  })
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

  @Post('sign')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Sign one S3 request of an upload (the body is @uppy/aws-s3 signRequest’s argument)',
    description:
      'The upload is found by `key` among the caller’s own. PUT {key} → PutObject (the single PUT again); ' +
      'PUT {key, uploadId, partNumber} → UploadPart (signed for that part’s exact length, ' +
      'MULTIPART_PART_URL_TTL_SECONDS at most); GET {key, uploadId} → ListParts (to resume); POST {key, uploadId} → ' +
      'CompleteMultipartUpload, refused (409) unless every part is in S3 with its exact size; DELETE {key, uploadId} ' +
      '→ AbortMultipartUpload, which also cancels the upload (EXPIRED; the sweep aborts it in S3 if the client does ' +
      'not). POST {key} (CreateMultipartUpload) is refused with 409: POST /v1/uploads created the session.',
  })
  @ApiOkResponse({ type: SignedRequestDto })
  @ApiNotFoundResponse({ description: 'No upload of the caller has this key (another user’s key answers the same)' })
  @ApiConflictResponse({
    description:
      'The upload is no longer PENDING or expired; CreateMultipartUpload asked for; a single PUT above ' +
      'UPLOAD_MAX_BYTES; or a completion while parts are missing or of the wrong size (named in `detail`)',
  })
  sign(@CurrentUser() user: AuthUser, @Body() body: SignRequestDto): Promise<SignedRequestDto> {
    return this.signing.sign(user, body);
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
    @UuidParam('uploadId', '4') uploadId: string,
    @Query() query: UploadStatusQueryDto,
    @ClientGone() clientGone: AbortSignal,
  ): Promise<UploadStatusDto> {
    return this.statuses.status(user, uploadId, query.wait ?? 0, clientGone);
  }
}
