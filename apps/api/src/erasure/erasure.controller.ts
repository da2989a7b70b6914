import { Body, Controller, Delete, Get, HttpCode, Post } from '@nestjs/common';
import { ApiAcceptedResponse, ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { AuthUser } from '../auth/auth-user';
import { AdminApi, CurrentUser } from '../auth/auth.decorators';
import { UuidParam } from '../common/uuid-param.decorator';
import { CreateErasureDto, EraseMeDto, ErasureStatusDto } from './erasure.dto';
import { ErasureService } from './erasure.service';

@ApiTags('erasure')
@ApiBearerAuth()
@Controller('v1/users/me')
export class UserErasureController {
  constructor(private readonly erasures: ErasureService) {}

  @Delete()
  @HttpCode(202)
  @ApiOperation({ summary: 'Erase my account: every image, object and record (right to erasure)' })
  @ApiAcceptedResponse({ type: ErasureStatusDto })
  eraseMe(@CurrentUser() user: AuthUser, @Body() _confirmation: EraseMeDto): Promise<ErasureStatusDto> {
    return this.erasures.request(user.id, 'self');
  }

  @Get('erasure')
  @ApiOperation({ summary: 'Progress of the erasure of my account' })
  @ApiOkResponse({ type: ErasureStatusDto })
  myErasure(@CurrentUser() user: AuthUser): Promise<ErasureStatusDto> {
    return this.erasures.own(user.id);
  }
}

@AdminApi()
@Controller('v1/admin/erasures')
export class AdminErasureController {
  constructor(private readonly erasures: ErasureService) {}

  @Post()
  @HttpCode(202)
  @ApiOperation({ summary: "Erase a user's images, objects and records" })
  @ApiAcceptedResponse({ type: ErasureStatusDto })
  create(@CurrentUser() admin: AuthUser, @Body() body: CreateErasureDto): Promise<ErasureStatusDto> {
    return this.erasures.request(body.userId, admin.id);
  }

  @Get(':erasureId')
  @ApiOperation({ summary: 'Progress of an erasure request: state, counts, times' })
  @ApiOkResponse({ type: ErasureStatusDto })
  get(@UuidParam('erasureId') id: string): Promise<ErasureStatusDto> {
    return this.erasures.get(id);
  }

  @Post(':erasureId/resume')
  @HttpCode(202)
  @ApiOperation({ summary: 'Retry a FAILED erasure from its checkpoint' })
  @ApiAcceptedResponse({ type: ErasureStatusDto })
  resume(@CurrentUser() admin: AuthUser, @UuidParam('erasureId') id: string): Promise<ErasureStatusDto> {
    return this.erasures.resume(id, admin.id);
  }
}
