import { Provider } from '@nestjs/common';
import { S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';
import { APP_CONFIG, ApiConfig } from '@lib/config';
import { createSqsClient, QueueRepository } from '@lib/queue';
import { createS3Client, ObjectStorageRepository, UrlSigner } from '@lib/storage';

export const awsProviders: Provider[] = [
  { provide: S3Client, inject: [APP_CONFIG], useFactory: (c: ApiConfig) => createS3Client(c.aws) },
  { provide: SQSClient, inject: [APP_CONFIG], useFactory: (c: ApiConfig) => createSqsClient(c.aws) },
  {
    provide: ObjectStorageRepository,
    inject: [S3Client],
    useFactory: (s3: S3Client) => new ObjectStorageRepository(s3),
  },
  { provide: QueueRepository, inject: [SQSClient], useFactory: (sqs: SQSClient) => new QueueRepository(sqs) },
  {
    provide: UrlSigner,
    inject: [APP_CONFIG, S3Client],
    // Reuses the S3 client's memoised credential chain (env, SSO, ECS task role...).
    useFactory: (c: ApiConfig, s3: S3Client) => new UrlSigner(c.aws, s3.config.credentials),
  },
];
