import { Duration, aws_sqs as sqs } from 'aws-cdk-lib';
import { Construct } from 'constructs';

export interface MessagingProps {
  maxReceiveCount: number;
  visibilityTimeoutSeconds: number;
  retentionDays: number;
}

/**
 * The uploads queue between S3 events and the worker, and its DLQ. The DLQ also receives the
 * forwarder's failed invocations (Lambda on-failure destination), so it holds everything a person
 * must look at.
 */
export class Messaging extends Construct {
  readonly uploadsQueue: sqs.Queue;
  readonly deadLetterQueue: sqs.Queue;

  constructor(scope: Construct, id: string, props: MessagingProps) {
    super(scope, id);
    // SSE-SQS rather than a KMS key: the forwarder and the worker then need no kms:* permission,
    // and no key policy can lock Lambda's destination writes out.
    this.deadLetterQueue = new sqs.Queue(this, 'UploadsDlq', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      // Standard queues keep a redriven message's original enqueue time: 14 days is the most SQS allows.
      retentionPeriod: Duration.days(14),
    });
    this.uploadsQueue = new sqs.Queue(this, 'Uploads', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      visibilityTimeout: Duration.seconds(props.visibilityTimeoutSeconds),
      retentionPeriod: Duration.days(props.retentionDays),
      receiveMessageWaitTime: Duration.seconds(20),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: props.maxReceiveCount },
    });
  }
}
