import { DynamicModule, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { ApiConfig, globalConfigModule } from '@lib/config';
import { DatabaseModule, UploadStatusListener } from '@lib/database';
import { ErasureRequests } from '@lib/operations';
import { AdminBackgroundController } from './admin/admin-background.controller';
import { AdminBackgroundService } from './admin/admin-background.service';
import { AdminDlqController } from './admin/admin-dlq.controller';
import { adminDlqProviders } from './admin/admin-dlq.providers';
import { AuthGuard } from './auth/auth.guard';
import { AdminErasureController, UserErasureController } from './erasure/erasure.controller';
import { ErasureService } from './erasure/erasure.service';
import { DevTokenController } from './auth/dev-token.controller';
import { TokenService } from './auth/token.service';
import { UserKeyService } from './auth/user-key.service';
import { apiAwsProviders } from './aws.providers';
import { HealthController } from './health/health.controller';
import { HealthService } from './health/health.service';
import { ApiMetrics } from './observability/api.metrics';
import { ApiMetricsServer } from './observability/metrics.server';
import { RateLimiter } from './common/rate-limiter';
import { ImageUrlService } from './images/image-url.service';
import { ImageController } from './images/image.controller';
import { ImageService } from './images/image.service';
import { RenderController } from './render/render.controller';
import { RENDER_URL_RATE_LIMITER, RenderService } from './render/render.service';
import { UploadStatusService } from './uploads/upload-status.service';
import { UploadController } from './uploads/upload.controller';
import { UPLOAD_RATE_LIMITER, UploadService } from './uploads/upload.service';
import { UploadSigningService } from './uploads/upload-signing.service';

@Module({})
export class AppModule {
  static forRoot(config: ApiConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [globalConfigModule(config), DatabaseModule],
      controllers: [
        UploadController,
        ImageController,
        DevTokenController,
        HealthController,
        UserErasureController,
        AdminErasureController,
        RenderController,
        AdminDlqController,
        AdminBackgroundController,
      ],
      providers: [
        ...apiAwsProviders,
        TokenService,
        UserKeyService,
        { provide: APP_GUARD, useClass: AuthGuard },
        UploadService,
        UploadStatusService,
        UploadStatusListener,
        UploadSigningService,
        ImageUrlService,
        ImageService,
        RenderService,
        HealthService,
        ApiMetrics,
        ApiMetricsServer,
        ErasureRequests,
        ErasureService,
        ...adminDlqProviders,
        AdminBackgroundService,
        {
          provide: UPLOAD_RATE_LIMITER,
          useFactory: () => new RateLimiter(config.uploads.ratePerMinute, 60_000),
        },
        {
          provide: RENDER_URL_RATE_LIMITER,
          useFactory: () => new RateLimiter(config.render.urlRatePerMinute, 60_000),
        },
      ],
    };
  }
}
