import {
  aws_applicationautoscaling as appscaling,
  aws_cloudfront as cloudfront,
  aws_iam as iam,
  aws_sqs as sqs,
} from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { QUARANTINE_PREFIX, RENDITIONS_PREFIX } from '../../libs/contracts/src/object-key';
import { PlatformService, PlatformServiceProps } from './platform-service.construct';
import { listBucketStatement, Storage } from './storage.construct';

export interface WorkerServiceProps {
  service: Omit<PlatformServiceProps, 'name' | 'containerPort' | 'healthCheckGracePeriod'>;
  uploadsQueue: sqs.IQueue;
  deadLetterQueue: sqs.IQueue;
  storage: Storage;
  /** Deleted images' cached copies are invalidated there. */
  distribution: cloudfront.IDistribution;
  clusterName: string;
  /** Visible messages per running task the backlog policy steers towards. */
  backlogPerTask: number;
}

/** The SQS consumer; it scales on backlog per task as well as on CPU. */
export class WorkerService extends Construct {
  readonly app: PlatformService;

  constructor(scope: Construct, id: string, props: WorkerServiceProps) {
    super(scope, id);
    this.app = new PlatformService(this, 'Service', { ...props.service, name: 'worker' });
    this.grant(props);
    this.scaleOnBacklog(props);
  }

  /**
   * Reads what clients uploaded, deletes or quarantines what fails verification, writes the
   * thumbnails it makes itself, consumes the uploads queue and re-announces lost events on it,
   * dead-letters malformed messages, and reads (never deletes) the DLQ for the monitor: what is
   * there stays for a person.
   */
  private grant({ storage, uploadsQueue, deadLetterQueue, distribution }: WorkerServiceProps): void {
    const { uploadBuckets, originals, thumbnails } = storage;
    this.app.allowObjects(['s3:GetObject', 's3:DeleteObject'], uploadBuckets);
    // Quarantine is only ever written to the private originals bucket (quarantineLocation), and
    // the only objects the worker makes are its re-encoded renditions: it writes nothing a
    // client's event could be raised for, nor anything under a prefix the CDN serves unchecked.
    this.app.allowObjects(['s3:PutObject'], [originals], QUARANTINE_PREFIX);
    this.app.allowObjects(['s3:PutObject'], [thumbnails], RENDITIONS_PREFIX);
    // An erasure removes every object of the user, quarantined copies (also those an earlier
    // release left in the thumbnails bucket) and renditions included.
    this.app.allowObjects(['s3:DeleteObject'], uploadBuckets, QUARANTINE_PREFIX);
    this.app.allowObjects(['s3:DeleteObject'], [thumbnails], RENDITIONS_PREFIX);
    // The sweep aborts ended multipart sessions, and the strays it lists under their keys.
    this.app.allowObjects(['s3:AbortMultipartUpload'], [originals]);
    this.app.allow(
      new iam.PolicyStatement({
        actions: ['s3:ListBucketMultipartUploads'],
        resources: [originals.bucket.bucketArn],
      }),
    );
    this.app.allow(
      // Deleted images and erased users: their cached copies are invalidated (the outbox pass).
      new iam.PolicyStatement({
        actions: ['cloudfront:CreateInvalidation'],
        resources: [distribution.distributionArn],
      }),
    );
    this.app.allow(
      listBucketStatement(uploadBuckets),
      new iam.PolicyStatement({
        actions: [
          'sqs:ReceiveMessage',
          'sqs:DeleteMessage',
          'sqs:ChangeMessageVisibility',
          'sqs:GetQueueAttributes',
          'sqs:SendMessage',
        ],
        resources: [uploadsQueue.queueArn],
      }),
      new iam.PolicyStatement({
        actions: ['sqs:SendMessage', 'sqs:ReceiveMessage', 'sqs:ChangeMessageVisibility', 'sqs:GetQueueAttributes'],
        resources: [deadLetterQueue.queueArn],
      }),
    );
  }

  /**
   * Backlog per task = visible messages / running tasks, the measure AWS recommends for queue
   * consumers: queue depth alone does not say whether the current tasks keep up. The L2 target
   * tracking API takes a single metric only, hence the L1 policy with metric math.
   */
  private scaleOnBacklog(props: WorkerServiceProps): void {
    new appscaling.CfnScalingPolicy(this, 'BacklogPerTask', {
      policyName: `${this.node.path.replace(/\//g, '-')}-backlog-per-task`,
      policyType: 'TargetTrackingScaling',
      scalingTargetId: this.app.scaling.scalableTargetId,
      targetTrackingScalingPolicyConfiguration: {
        targetValue: props.backlogPerTask,
        scaleOutCooldown: 60,
        scaleInCooldown: 300,
        customizedMetricSpecification: {
          metrics: [
            {
              id: 'visible',
              returnData: false,
              metricStat: {
                stat: 'Sum',
                metric: {
                  namespace: 'AWS/SQS',
                  metricName: 'ApproximateNumberOfMessagesVisible',
                  dimensions: [{ name: 'QueueName', value: props.uploadsQueue.queueName }],
                },
              },
            },
            {
              id: 'tasks',
              returnData: false,
              metricStat: {
                stat: 'Average',
                metric: {
                  namespace: 'ECS/ContainerInsights',
                  metricName: 'RunningTaskCount',
                  dimensions: [
                    { name: 'ClusterName', value: props.clusterName },
                    { name: 'ServiceName', value: this.app.service.serviceName },
                  ],
                },
              },
            },
            {
              id: 'backlogPerTask',
              expression: 'visible / tasks',
              label: 'Visible messages per running task',
              returnData: true,
            },
          ],
        },
      },
    });
  }
}
