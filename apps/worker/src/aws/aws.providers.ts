import { Provider } from '@nestjs/common';
import { S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';
import { APP_CONFIG, WorkerConfig } from '@lib/config';
import { createSqsClient, QueueRepository } from '@lib/queue';
import { createS3Client, ObjectStorageRepository } from '@lib/storage';

/** One client per process: SDK clients are safe to share and keep their connection pools. */
export const awsProviders: Provider[] = [
  { provide: S3Client, inject: [APP_CONFIG], useFactory: (c: WorkerConfig) => createS3Client(c.aws) },
  { provide: SQSClient, inject: [APP_CONFIG], useFactory: (c: WorkerConfig) => createSqsClient(c.aws) },
  {
    provide: ObjectStorageRepository,
    inject: [S3Client],
    useFactory: (s3: S3Client) => new ObjectStorageRepository(s3),
  },
  { provide: QueueRepository, inject: [SQSClient], useFactory: (sqs: SQSClient) => new QueueRepository(sqs) },
];
