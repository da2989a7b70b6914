import { Logger, Provider } from '@nestjs/common';
import { CloudFrontClient } from '@aws-sdk/client-cloudfront';
import { CdnInvalidator, CloudFrontInvalidator, RecordingCdnInvalidator } from '@lib/cdn';
import { APP_CONFIG, WorkerConfig } from '@lib/config';
import { CdnInvalidationScheduler } from './cdn-invalidation.scheduler';
import { CdnInvalidationService } from './cdn-invalidation.service';

/** CloudFront when CDN_DISTRIBUTION_ID is set; otherwise the calls are recorded (and logged). */
export const cdnProviders: Provider[] = [
  {
    provide: CdnInvalidator,
    inject: [APP_CONFIG],
    useFactory: (config: WorkerConfig): CdnInvalidator => {
      const { distributionId } = config.cdn;
      if (distributionId) {
        return new CloudFrontInvalidator(new CloudFrontClient({ region: config.aws.region }), distributionId);
      }
      new Logger('CdnInvalidator').log({ msg: 'no CDN_DISTRIBUTION_ID: invalidations are recorded locally' });
      return new RecordingCdnInvalidator();
    },
  },
  CdnInvalidationService,
  CdnInvalidationScheduler,
];
