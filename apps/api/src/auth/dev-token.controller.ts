import { Body, Controller, HttpCode, Inject, Post } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { APP_CONFIG, ApiConfig } from '@lib/config';
import { errors } from '@lib/errors';
import { Public } from './auth.decorators';
import { DevTokenRequestDto, DevTokenResponseDto } from './dev-token.dto';
import { TokenService } from './token.service';

@ApiTags('dev')
@Controller('v1/dev')
export class DevTokenController {
  constructor(
    @Inject(APP_CONFIG) private readonly config: ApiConfig,
    private readonly tokens: TokenService,
  ) {}

  @Public()
  @Post('token')
  @HttpCode(200)
  @ApiOperation({ summary: 'Issue a token for any user id (local and test runs only; 404 unless DEV_TOKEN_ENABLED)' })
  async issue(@Body() body: DevTokenRequestDto): Promise<DevTokenResponseDto> {
    if (!this.config.auth.devTokenEnabled) throw errors.routeNotFound('POST', '/v1/dev/token');
    const { token, expiresAt } = await this.tokens.signDevToken(body.userId, body.roles ?? []);
    return { token, expiresAt: expiresAt.toISOString() };
  }
}
