import { Controller, Delete, Get, HttpCode, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { AuthUser } from '../auth/auth-user';
import { CurrentUser } from '../auth/auth.decorators';
import { UuidParam } from '../common/uuid-param.decorator';
import { ImageDto, ImageListQueryDto, ImagePageDto } from './image.dto';
import { ImageService } from './image.service';

@ApiTags('images')
@ApiBearerAuth()
@Controller('v1/images')
export class ImageController {
  constructor(private readonly images: ImageService) {}

  @Get()
  @ApiOperation({ summary: "The caller's images, newest first (cursor pagination)" })
  @ApiOkResponse({ type: ImagePageDto })
  list(@CurrentUser() user: AuthUser, @Query() query: ImageListQueryDto): Promise<ImagePageDto> {
    return this.images.list(user, query);
  }

  @Get(':imageId')
  @ApiOperation({ summary: 'One image with short-lived download URLs' })
  @ApiOkResponse({ type: ImageDto })
  get(@CurrentUser() user: AuthUser, @UuidParam('imageId') imageId: string): Promise<ImageDto> {
    return this.images.get(user, imageId);
  }

  @Delete(':imageId')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete an image: its objects, then its rows (idempotent)' })
  @ApiNoContentResponse()
  delete(@CurrentUser() user: AuthUser, @UuidParam('imageId') imageId: string): Promise<void> {
    return this.images.delete(user, imageId);
  }
}
