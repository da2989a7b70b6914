import {
  CreateBucketCommand,
  PutBucketCorsCommand,
  PutBucketNotificationConfigurationCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { CreateQueueCommand, GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { ORIGINALS_PREFIX, THUMBNAILS_PREFIX } from '@lib/contracts';

export interface StackResources {
  originalsBucket: string;
  thumbnailsBucket: string;
  uploadsQueueUrl: string;
  deadLetterQueueUrl: string;
  /** Local only: where the emulator puts bucket notifications for the Lambda stand-in. */
  eventsQueueUrl: string;
}

export interface BootstrapOptions {
  s3: S3Client;
  sqs: SQSClient;
  originalsBucket: string;
  thumbnailsBucket: string;
  queuePrefix: string;
  webOrigins: string[];
  maxReceiveCount: number;
  visibilityTimeoutSeconds: number;
}

/**
 * The same rule the infra sets in production: from the web origins, PUT (objects and parts), POST
 * (CompleteMultipartUpload), GET (ListParts) and DELETE (AbortMultipartUpload), with exactly the
 * headers the API signs for a client to set.
 */
export function corsRules(webOrigins: string[]) {
  return [
    {
      AllowedMethods: ['PUT', 'POST', 'GET', 'DELETE'],
      AllowedOrigins: webOrigins,
      AllowedHeaders: ['content-type', 'if-none-match', 'x-amz-checksum-sha256', 'x-amz-mp-object-size'],
      ExposeHeaders: ['ETag'],
      MaxAgeSeconds: 3000,
    },
  ];
}

async function ensureBucket(s3: S3Client, bucket: string): Promise<void> {
  try {
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  } catch (error) {
    const name = (error as { name?: string }).name;
    if (name !== 'BucketAlreadyOwnedByYou' && name !== 'BucketAlreadyExists') throw error;
  }
}

async function queueArn(sqs: SQSClient, queueUrl: string): Promise<string> {
  const out = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }));
  return out.Attributes!.QueueArn!;
}

/** The local stack's resources as `localEnv` names them (npm start, compose bootstrap, benches). */
export function localBootstrapOptions(
  env: Record<string, string | undefined>,
  clients: { s3: S3Client; sqs: SQSClient },
  prefix = '',
): BootstrapOptions {
  return {
    ...clients,
    originalsBucket: prefix + env.S3_ORIGINALS_BUCKET!,
    thumbnailsBucket: prefix + env.S3_THUMBNAILS_BUCKET!,
    queuePrefix: prefix,
    webOrigins: env.WEB_ORIGINS!.split(','),
    maxReceiveCount: Number(env.DLQ_MAX_RECEIVE_COUNT),
    visibilityTimeoutSeconds: Number(env.WORKER_VISIBILITY_TIMEOUT_SECONDS),
  };
}

/** Creates (or finds) every bucket and queue the local stack needs. Safe to run again. */
export async function bootstrapResources(options: BootstrapOptions): Promise<StackResources> {
  const { s3, sqs, queuePrefix } = options;
  const dlq = await sqs.send(
    new CreateQueueCommand({
      QueueName: `${queuePrefix}uploads-dlq`,
      Attributes: { MessageRetentionPeriod: String(14 * 24 * 3600) },
    }),
  );
  const dlqArn = await queueArn(sqs, dlq.QueueUrl!);
  const uploads = await sqs.send(
    new CreateQueueCommand({
      QueueName: `${queuePrefix}uploads`,
      Attributes: {
        VisibilityTimeout: String(options.visibilityTimeoutSeconds),
        RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount: options.maxReceiveCount }),
      },
    }),
  );
  const events = await sqs.send(new CreateQueueCommand({ QueueName: `${queuePrefix}s3-events` }));
  const eventsArn = await queueArn(sqs, events.QueueUrl!);

  for (const [bucket, prefix] of [
    [options.originalsBucket, ORIGINALS_PREFIX],
    [options.thumbnailsBucket, THUMBNAILS_PREFIX],
  ] as const) {
    await ensureBucket(s3, bucket);
    await s3.send(
      new PutBucketCorsCommand({ Bucket: bucket, CORSConfiguration: { CORSRules: corsRules(options.webOrigins) } }),
    );
    await s3.send(
      new PutBucketNotificationConfigurationCommand({
        Bucket: bucket,
        NotificationConfiguration: {
          QueueConfigurations: [
            {
              Id: 'object-created-to-forwarder',
              QueueArn: eventsArn,
              Events: ['s3:ObjectCreated:*'],
              Filter: { Key: { FilterRules: [{ Name: 'prefix', Value: prefix }] } },
            },
          ],
        },
      }),
    );
  }
  return {
    originalsBucket: options.originalsBucket,
    thumbnailsBucket: options.thumbnailsBucket,
    uploadsQueueUrl: uploads.QueueUrl!,
    deadLetterQueueUrl: dlq.QueueUrl!,
    eventsQueueUrl: events.QueueUrl!,
  };
}
