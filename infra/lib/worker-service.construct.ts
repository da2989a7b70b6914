import { aws_applicationautoscaling as appscaling, aws_sqs as sqs } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { PlatformService, PlatformServiceProps } from './platform-service.construct';

export interface WorkerServiceProps {
  service: Omit<PlatformServiceProps, 'name' | 'containerPort' | 'healthCheckGracePeriod'>;
  uploadsQueue: sqs.IQueue;
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
    this.scaleOnBacklog(props);
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
