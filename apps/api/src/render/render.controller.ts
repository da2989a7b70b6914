import { Body, Controller, Get, Headers, HttpCode, Param, Post, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import type { AuthUser } from '../auth/auth-user';
import { CurrentUser, Public } from '../auth/auth.decorators';
import { UuidParam } from '../common/uuid-param.decorator';
import { RenderQueryDto, RenderUrlDto, RenderUrlRequestDto } from './render.dto';
import { ORIGIN_VERIFY_HEADER, RenderService } from './render.service';

@ApiTags('images')
@Controller()
export class RenderController {
  constructor(private readonly render: RenderService) {}

  @Post('v1/images/:imageId/render-url')
  @HttpCode(200)
  @ApiBearerAuth()
  @ApiOperation({ summary: 'A signed, cacheable URL for this image at another size or format (owner only)' })
  @ApiOkResponse({ type: RenderUrlDto })
  createUrl(
    @CurrentUser() user: AuthUser,
    @UuidParam('imageId') imageId: string,
    @Body() body: RenderUrlRequestDto,
  ): Promise<RenderUrlDto> {
    return this.render.createUrl(user, imageId, body);
  }

  /** Public on purpose: the signature is the credential, so a CDN can fetch it without a token. */
  @Public()
  @Get('v1/render/:token')
  @ApiOperation({ summary: 'Render origin for signed URLs from render-url (behind the CDN)' })
  @ApiProduces('image/avif', 'image/webp', 'image/jpeg', 'image/png')
  async serve(
    @Param('token') token: string,
    @Query() query: RenderQueryDto,
    @Headers('accept') accept: string | undefined,
    @Headers('if-none-match') ifNoneMatch: string | undefined,
    @Headers(ORIGIN_VERIFY_HEADER) originVerify: string | undefined,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const outcome = await this.render.render(token, query, { accept, ifNoneMatch, originVerify });
    const { vary, ...headers } = outcome.headers;
    reply.status(outcome.status).headers(headers);
    // Added to, not replaced: CORS already varies on Origin.
    if (vary) {
      const existing = reply.getHeader('vary');
      reply.header('vary', existing ? `${String(existing)}, ${vary}` : vary);
    }
    await reply.send(outcome.status === 200 ? outcome.body : undefined);
  }
}
