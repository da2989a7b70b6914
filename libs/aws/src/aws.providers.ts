import { Provider } from '@nestjs/common';
import { S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';
import { APP_CONFIG, SharedConfig } from '@lib/config';
import { createSqsClient, QueueRepository } from '@lib/queue';
import { createS3Client, ObjectStorageRepository } from '@lib/storage';

/**
 * The AWS clients and the repositories over them, for any app whose APP_CONFIG is a
 * SharedConfig. One client per process: SDK clients are safe to share and pool connections.
 */
export const awsProviders: Provider[] = [
  { provide: S3Client, inject: [APP_CONFIG], useFactory: (c: SharedConfig) => createS3Client(c.aws) },
  { provide: SQSClient, inject: [APP_CONFIG], useFactory: (c: SharedConfig) => createSqsClient(c.aws) },
  {
    provide: ObjectStorageRepository,
    inject: [S3Client],
    useFactory: (s3: S3Client) => new ObjectStorageRepository(s3),
  },
  { provide: QueueRepository, inject: [SQSClient], useFactory: (sqs: SQSClient) => new QueueRepository(sqs) },
];
