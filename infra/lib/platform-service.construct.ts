import {
  Duration,
  aws_applicationautoscaling as appscaling,
  aws_ec2 as ec2,
  aws_ecs as ecs,
  aws_iam as iam,
  aws_logs as logs,
  Size,
  Stack,
  TimeZone,
  Validations,
} from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { objectArns, objectWildcardFinding, UploadBucket } from './storage.construct';

/** Built from docker/runtime/healthcheck.ts; the Dockerfile's HEALTHCHECK runs the same file. */
export const HEALTHCHECK_SCRIPT = '/app/dist/docker/runtime/healthcheck.js';

export interface MonthEndSchedule {
  startDay: number;
  stopDay: number;
  timeZone: string;
}

export interface PlatformServiceProps {
  /** `api` or `worker`: the container name and the health check's target. */
  name: 'api' | 'worker';
  cluster: ecs.ICluster;
  subnets: ec2.SubnetSelection;
  image: ecs.ContainerImage;
  cpu: number;
  memoryLimitMiB: number;
  secrets: Record<string, ecs.Secret>;
  containerPort?: number;
  /** How long ECS waits between SIGTERM and SIGKILL. */
  stopTimeout: Duration;
  logRetention: logs.RetentionDays;
  capacity: { min: number; max: number; monthEndMin: number };
  monthEnd: MonthEndSchedule;
  cpuTargetPercent: number;
  healthCheckGracePeriod?: Duration;
}

/**
 * What the API and the worker share: an ARM64 Fargate task whose configuration comes only from
 * SSM and Secrets Manager, a rolling deployment that rolls itself back, CPU target tracking,
 * and a higher floor over the month-end days.
 */
export class PlatformService extends Construct {
  readonly taskDefinition: ecs.FargateTaskDefinition;
  readonly container: ecs.ContainerDefinition;
  readonly service: ecs.FargateService;
  readonly scaling: appscaling.ScalableTarget;
  readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: PlatformServiceProps) {
    super(scope, id);
    this.logGroup = new logs.LogGroup(this, 'Logs', { retention: props.logRetention });
    this.taskDefinition = new ecs.FargateTaskDefinition(this, 'Task', {
      cpu: props.cpu,
      memoryLimitMiB: props.memoryLimitMiB,
      // Graviton: about 20% cheaper per vCPU-hour; sharp and Prisma's JS engine ship arm64 builds.
      runtimePlatform: {
        cpuArchitecture: ecs.CpuArchitecture.ARM64,
        operatingSystemFamily: ecs.OperatingSystemFamily.LINUX,
      },
    });
    this.container = this.taskDefinition.addContainer(props.name, {
      image: props.image,
      essential: true,
      secrets: props.secrets,
      readonlyRootFilesystem: true,
      stopTimeout: props.stopTimeout,
      portMappings: props.containerPort ? [{ containerPort: props.containerPort, name: props.name }] : [],
      healthCheck: {
        command: ['CMD', 'node', HEALTHCHECK_SCRIPT, props.name],
        interval: Duration.seconds(15),
        timeout: Duration.seconds(5),
        retries: 3,
        startPeriod: Duration.seconds(30),
      },
      logging: this.logDriver(props.name),
    });
    // The image is read-only at run time; /tmp is the one writable place (task ephemeral storage).
    this.taskDefinition.addVolume({ name: 'tmp' });
    this.container.addMountPoints({ sourceVolume: 'tmp', containerPath: '/tmp', readOnly: false });

    Validations.of(this.taskDefinition.obtainExecutionRole()).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'ecr:GetAuthorizationToken, which ECS needs to pull from ECR, has no resource-level permissions; every other statement of the execution role names its resource.',
    });

    this.service = new ecs.FargateService(this, 'Service', {
      cluster: props.cluster,
      taskDefinition: this.taskDefinition,
      vpcSubnets: props.subnets,
      // No desiredCount: a deploy must not reset what the autoscaler chose mid month-end.
      minHealthyPercent: 100,
      maxHealthyPercent: 200,
      circuitBreaker: { enable: true, rollback: true },
      healthCheckGracePeriod: props.healthCheckGracePeriod,
      propagateTags: ecs.PropagatedTagSource.SERVICE,
      enableECSManagedTags: true,
    });

    this.scaling = new appscaling.ScalableTarget(this, 'Scaling', {
      serviceNamespace: appscaling.ServiceNamespace.ECS,
      scalableDimension: 'ecs:service:DesiredCount',
      resourceId: `service/${props.cluster.clusterName}/${this.service.serviceName}`,
      minCapacity: props.capacity.min,
      maxCapacity: props.capacity.max,
      // The service-linked role, as ECS's own autoScaleTaskCount uses, rather than a new role to maintain.
      role: iam.Role.fromRoleArn(
        this,
        'ScalingRole',
        Stack.of(this).formatArn({
          service: 'iam',
          region: '',
          resource: 'role/aws-service-role/ecs.application-autoscaling.amazonaws.com',
          resourceName: 'AWSServiceRoleForApplicationAutoScaling_ECSService',
        }),
      ),
    });
    this.scaling.scaleToTrackMetric('Cpu', {
      predefinedMetric: appscaling.PredefinedMetric.ECS_SERVICE_AVERAGE_CPU_UTILIZATION,
      targetValue: props.cpuTargetPercent,
      scaleOutCooldown: Duration.seconds(60),
      scaleInCooldown: Duration.minutes(5),
    });
    this.scheduleMonthEnd(props);
  }

  /** Lets the task's own role (not the execution role) do exactly these things. */
  allow(...statements: iam.PolicyStatement[]): void {
    for (const statement of statements) this.taskDefinition.addToTaskRolePolicy(statement);
  }

  /** Object keys are made per user and upload, so object ARNs end in a wildcard under one prefix. */
  allowObjects(actions: string[], buckets: UploadBucket[], prefix?: string): void {
    this.allow(new iam.PolicyStatement({ actions, resources: objectArns(buckets, prefix) }));
    Validations.of(this.taskDefinition.taskRole).acknowledge(
      ...buckets.map((upload) => ({
        id: objectWildcardFinding(upload.bucket, prefix ?? upload.prefix),
        reason: `Keys are {prefix}{userId}/{uploadId}, made per upload; the wildcard covers one key prefix of one bucket (${actions.join(', ')}).`,
      })),
    );
  }

  logDriver(streamPrefix: string): ecs.LogDriver {
    // Non-blocking: a slow CloudWatch Logs must never stall the event loop that writes to stdout.
    return ecs.LogDrivers.awsLogs({
      streamPrefix,
      logGroup: this.logGroup,
      mode: ecs.AwsLogDriverMode.NON_BLOCKING,
      maxBufferSize: Size.mebibytes(25),
    });
  }

  /**
   * Month-end traffic is predictable, so capacity is raised before it arrives rather than after
   * the first alarms; target tracking still adds tasks above that floor.
   */
  private scheduleMonthEnd(props: PlatformServiceProps): void {
    const timeZone = TimeZone.of(props.monthEnd.timeZone);
    this.scaling.scaleOnSchedule('MonthEndStart', {
      schedule: appscaling.Schedule.cron({ minute: '0', hour: '0', day: String(props.monthEnd.startDay) }),
      minCapacity: props.capacity.monthEndMin,
      timeZone,
    });
    this.scaling.scaleOnSchedule('MonthEndStop', {
      schedule: appscaling.Schedule.cron({ minute: '0', hour: '12', day: String(props.monthEnd.stopDay) }),
      minCapacity: props.capacity.min,
      timeZone,
    });
  }
}
