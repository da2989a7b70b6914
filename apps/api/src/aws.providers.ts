import { Provider } from '@nestjs/common';
import { S3Client } from '@aws-sdk/client-s3';
import { awsProviders } from '@lib/aws';
import { APP_CONFIG, ApiConfig } from '@lib/config';
import { UrlSigner } from '@lib/storage';

export const apiAwsProviders: Provider[] = [
  ...awsProviders,
  {
    provide: UrlSigner,
    inject: [APP_CONFIG, S3Client],
    // Reuses the S3 client's memoised credential chain (env, SSO, ECS task role...).
    useFactory: (c: ApiConfig, s3: S3Client) => new UrlSigner(c.aws, s3.config.credentials),
  },
];
