import { existsSync } from 'node:fs';
import { join } from 'node:path';
import {
  Duration,
  aws_iam as iam,
  aws_lambda as lambda,
  aws_lambda_destinations as destinations,
  aws_logs as logs,
  aws_s3 as s3,
  aws_s3_notifications as s3n,
  aws_sqs as sqs,
} from 'aws-cdk-lib';
import { Construct } from 'constructs';
import type { ForwarderEnvKey } from '../../libs/config/src/env.schema';
import type { UploadBucket } from './storage.construct';

export interface ForwarderProps {
  /** The esbuild bundle directory (dist/lambda/s3-event-forwarder), made by `npm run build:lambda`. */
  bundleDir: string;
  uploadBuckets: UploadBucket[];
  uploadsQueue: sqs.IQueue;
  deadLetterQueue: sqs.IQueue;
  reservedConcurrency: number;
  maxEventAge: Duration;
  logRetention: logs.RetentionDays;
}

/** apps/s3-event-forwarder: S3 object-created events in, upload messages out to SQS. */
export class Forwarder extends Construct {
  readonly function: lambda.Function;

  constructor(scope: Construct, id: string, props: ForwarderProps) {
    super(scope, id);
    if (!existsSync(join(props.bundleDir, 'index.js'))) {
      throw new Error(`${props.bundleDir}/index.js is missing: run \`npm run build:lambda\` before synthesizing`);
    }
    const logGroup = new logs.LogGroup(this, 'Logs', { retention: props.logRetention });
    // The default role would attach AWSLambdaBasicExecutionRole, which may write to every log group.
    const role = new iam.Role(this, 'Role', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [logGroup.logGroupArn],
      }),
    );

    this.function = new lambda.Function(this, 'Function', {
      description: 'Forwards S3 object-created events of the upload buckets to the uploads queue',
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      code: lambda.Code.fromAsset(props.bundleDir),
      handler: 'index.handler',
      memorySize: 256,
      timeout: Duration.seconds(30),
      role,
      logGroup,
      // Caps the SQS send rate at month end; throttled events wait in Lambda's async queue.
      reservedConcurrentExecutions: props.reservedConcurrency,
      retryAttempts: 2,
      maxEventAge: props.maxEventAge,
      onFailure: new destinations.SqsDestination(props.deadLetterQueue),
      environment: { ...this.appEnvironment(props), NODE_OPTIONS: '--enable-source-maps' },
    });
    props.uploadsQueue.grantSendMessages(this.function);

    for (const { bucket, prefix } of props.uploadBuckets) {
      bucket.addEventNotification(s3.EventType.OBJECT_CREATED, new s3n.LambdaDestination(this.function), { prefix });
    }
  }

  /** Only variables the forwarder's config reads (its key list); Lambda sets AWS_REGION itself. */
  private appEnvironment(props: ForwarderProps): Partial<Record<ForwarderEnvKey, string>> {
    return { UPLOADS_QUEUE_URL: props.uploadsQueue.queueUrl };
  }
}
