import {
  Annotations,
  CfnOutput,
  Duration,
  Stack,
  StackProps,
  aws_ecr as ecr,
  aws_ecs as ecs,
  aws_logs as logs,
  Validations,
} from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { API_ENV_KEYS, apiEnv, ApiEnvKey, WORKER_ENV_KEYS, WorkerEnvKey } from '../../libs/config/src/env.schema';
import { Alarms } from './alarms.construct';
import { ApiService } from './api-service.construct';
import { Database } from './database.construct';
import { Forwarder } from './forwarder.construct';
import { ImageName, imageRepositoryName } from './image-repositories.stack';
import { Messaging } from './messaging.construct';
import { Network } from './network.construct';
import type { PlatformService, PlatformServiceProps } from './platform-service.construct';
import { PlatformSecrets } from './platform-secrets.construct';
import { PlatformSettings, REQUIRED_FOR_PRODUCTION } from './platform.settings';
import { RuntimeConfig } from './runtime-config.construct';
import { Storage } from './storage.construct';
import { ThumbnailCdn } from './thumbnail-cdn.construct';
import { WorkerService } from './worker-service.construct';

export const API_PORT: number = apiEnv.shape.PORT.parse(undefined);

/**
 * Handed to the worker though no app reads them (no schema has them): the queue's redrive count
 * it was deployed with, shown beside the worker's settings.
 */
const OPERATOR_RECORDS = ['DLQ_MAX_RECEIVE_COUNT'] as const;
type DeployedKey = ApiEnvKey | WorkerEnvKey | (typeof OPERATOR_RECORDS)[number];

export interface UploadPlatformStackProps extends StackProps {
  settings: PlatformSettings;
  /** dist/lambda/s3-event-forwarder, made by `npm run build:lambda`. */
  forwarderBundleDir: string;
}

type SharedServiceProps = Pick<
  PlatformServiceProps,
  'cluster' | 'subnets' | 'logRetention' | 'monthEnd' | 'cpuTargetPercent'
>;

/** The whole platform in one region: storage, queues, forwarder, database, services, edge, alarms. */
export class UploadPlatformStack extends Stack {
  private readonly settings: PlatformSettings;
  private readonly logRetention: logs.RetentionDays;
  private readonly storage: Storage;
  private readonly network: Network;
  private readonly messaging: Messaging;
  private readonly database: Database;
  private readonly cdn: ThumbnailCdn;
  private readonly secrets: PlatformSecrets;

  constructor(scope: Construct, id: string, props: UploadPlatformStackProps) {
    super(scope, id, props);
    const settings = (this.settings = props.settings);
    this.warnAboutExampleContext();
    this.logRetention = retentionDays(settings.logRetentionDays);

    this.storage = new Storage(this, 'Storage', {
      webOrigins: settings.webOrigins,
      quarantineRetentionDays: settings.quarantineRetentionDays,
      accessLogRetentionDays: settings.accessLogRetentionDays,
    });
    this.network = new Network(this, 'Network', {
      natGateways: settings.natGateways,
      flowLogBucket: this.storage.accessLogs,
    });
    this.messaging = new Messaging(this, 'Messaging', {
      maxReceiveCount: settings.dlqMaxReceiveCount,
      visibilityTimeoutSeconds: settings.workerVisibilityTimeoutSeconds,
      retentionDays: settings.uploadsQueueRetentionDays,
    });
    const forwarder = new Forwarder(this, 'Forwarder', {
      bundleDir: props.forwarderBundleDir,
      uploadBuckets: this.storage.uploadBuckets,
      uploadsQueue: this.messaging.uploadsQueue,
      deadLetterQueue: this.messaging.deadLetterQueue,
      reservedConcurrency: settings.forwarderReservedConcurrency,
      maxEventAge: Duration.hours(settings.forwarderMaxEventAgeHours),
      logRetention: this.logRetention,
    });
    this.acknowledgeBucketNotificationsHandler();
    this.database = new Database(this, 'Database', {
      appName: settings.appName,
      vpc: this.network.vpc,
      subnets: this.network.dataSubnets,
      minAcu: settings.dbMinAcu,
      maxAcu: settings.dbMaxAcu,
      backupRetentionDays: settings.dbBackupRetentionDays,
      logRetention: this.logRetention,
    });
    this.cdn = new ThumbnailCdn(this, 'ThumbnailCdn', {
      thumbnails: this.storage.thumbnails,
      accessLogs: this.storage.accessLogs,
    });

    // 'Default' keeps the secrets' logical IDs (see PlatformSecrets): never replace a secret.
    this.secrets = new PlatformSecrets(this, 'Default', settings.appName);
    const { api, worker } = this.services();
    this.cdn.addRenderOrigin({
      domainName: settings.apiDomainName ?? api.loadBalancer.loadBalancerDnsName,
      https: settings.apiDomainName !== undefined,
      originVerifySecret: this.secrets.renderOrigin,
      // Never longer than a render URL lives (RENDER_URL_TTL_SECONDS, 24 h by default).
      maxTtl: Duration.days(1),
    });
    const alarms = new Alarms(this, 'Alarms', {
      deadLetterQueue: this.messaging.deadLetterQueue,
      uploadsQueue: this.messaging.uploadsQueue,
      loadBalancer: api.loadBalancer,
      forwarder: forwarder.function,
      email: settings.alarmEmail,
      oldestMessageSeconds: settings.oldestMessageAlarmSeconds,
      api5xxPercent: settings.api5xxAlarmPercent,
    });
    // A deployment that pushes the 5xx rate over the threshold rolls back on its own.
    api.app.service.enableDeploymentAlarms([alarms.api5xxRate.alarmName]);

    const outputs: Record<string, string> = {
      ApiUrl: this.apiUrl(api),
      LoadBalancerDnsName: api.loadBalancer.loadBalancerDnsName,
      CdnBaseUrl: this.cdnBaseUrl,
      OriginalsBucket: this.storage.originals.bucket.bucketName,
      ThumbnailsBucket: this.storage.thumbnails.bucket.bucketName,
      UploadsQueueUrl: this.messaging.uploadsQueue.queueUrl,
      DeadLetterQueueUrl: this.messaging.deadLetterQueue.queueUrl,
      AlarmTopicArn: alarms.topic.topicArn,
      SlackWebhookSecretArn: this.secrets.slackWebhook.secretArn,
      DatabaseSecretArn: this.database.secret.secretArn,
      ClusterName: api.app.service.cluster.clusterName,
      ApiServiceName: api.app.service.serviceName,
      WorkerServiceName: worker.app.service.serviceName,
    };
    for (const [name, value] of Object.entries(outputs)) new CfnOutput(this, name, { value });
  }

  private get cdnBaseUrl(): string {
    return `https://${this.cdn.distribution.distributionDomainName}`;
  }

  private apiUrl(api: ApiService): string {
    return this.settings.apiDomainName
      ? `https://${this.settings.apiDomainName}`
      : `http://${api.loadBalancer.loadBalancerDnsName}`;
  }

  private services(): { api: ApiService; worker: WorkerService } {
    const { settings } = this;
    const cluster = new ecs.Cluster(this, 'Cluster', {
      vpc: this.network.vpc,
      // Also the source of RunningTaskCount, which the worker's backlog-per-task policy divides by.
      containerInsightsV2: ecs.ContainerInsights.ENABLED,
    });
    const shared: SharedServiceProps = {
      cluster,
      subnets: this.network.appSubnets,
      logRetention: this.logRetention,
      monthEnd: {
        startDay: settings.monthEndStartDay,
        stopDay: settings.monthEndStopDay,
        timeZone: settings.scheduleTimeZone,
      },
      cpuTargetPercent: settings.cpuTargetPercent,
    };
    // The attachment (not the bare secret) makes tasks wait until host and port are in the JSON.
    const databaseSecret = { DATABASE_SECRET: ecs.Secret.fromSecretsManager(this.database.cluster.secret!) };

    const api = new ApiService(this, 'Api', {
      containerPort: API_PORT,
      vpc: this.network.vpc,
      accessLogs: this.storage.accessLogs,
      certificateArn: settings.apiCertificateArn,
      wafRequestsPerIpPer5Min: settings.wafRequestsPerIpPer5Min,
      migration: { image: this.image('migrate'), secrets: databaseSecret },
      storage: this.storage,
      messaging: this.messaging,
      service: {
        ...shared,
        image: this.image('api'),
        cpu: settings.apiCpu,
        memoryLimitMiB: settings.apiMemoryMiB,
        // The ALB stops sending requests before SIGTERM; this only covers requests in flight.
        stopTimeout: Duration.seconds(30),
        capacity: { min: settings.apiMinTasks, max: settings.apiMaxTasks, monthEndMin: settings.apiMonthEndMinTasks },
        secrets: { ...databaseSecret, ...this.secrets.forApi() },
      },
    });

    const worker = new WorkerService(this, 'Worker', {
      uploadsQueue: this.messaging.uploadsQueue,
      deadLetterQueue: this.messaging.deadLetterQueue,
      storage: this.storage,
      distribution: this.cdn.distribution,
      clusterName: cluster.clusterName,
      backlogPerTask: settings.workerBacklogPerTask,
      service: {
        ...shared,
        image: this.image('worker'),
        cpu: settings.workerCpu,
        memoryLimitMiB: settings.workerMemoryMiB,
        // The worker drains for WORKER_SHUTDOWN_GRACE_SECONDS after SIGTERM; SIGKILL must come later.
        stopTimeout: Duration.seconds(settings.workerShutdownGraceSeconds + 5),
        capacity: {
          min: settings.workerMinTasks,
          max: settings.workerMaxTasks,
          monthEndMin: settings.workerMonthEndMinTasks,
        },
        secrets: { ...databaseSecret, ...this.secrets.forWorker() },
      },
    });
    // CloudFormation updates the worker only once the API (whose tasks run the migrations) is stable.
    worker.app.service.node.addDependency(api.app.service);

    for (const { service } of [api.app, worker.app]) {
      this.database.cluster.connections.allowDefaultPortFrom(service);
      this.network.sqsEndpoint.connections.allowDefaultPortFrom(service);
    }
    this.configure(api, worker.app);
    return { api, worker };
  }

  /** Images are pushed by CI before a deploy; the repositories come from the images stack, by name. */
  private image(name: ImageName): ecs.ContainerImage {
    const repository = ecr.Repository.fromRepositoryName(
      this,
      `${name}Repository`,
      imageRepositoryName(this.settings.appName, name),
    );
    return ecs.ContainerImage.fromEcrRepository(repository, this.settings.imageTag);
  }

  /**
   * Plain settings go to SSM, one parameter per variable; each container receives those its app
   * reads (its key list in libs/config/src/env.schema.ts). NODE_ENV and HOST come from the image.
   */
  private configure(api: ApiService, worker: PlatformService): void {
    const { settings, storage, messaging } = this;
    const config = new RuntimeConfig<DeployedKey>(this, 'Config', settings.appName);
    config.set({
      AWS_REGION: this.region,
      LOG_LEVEL: settings.logLevel,
      S3_ORIGINALS_BUCKET: storage.originals.bucket.bucketName,
      S3_THUMBNAILS_BUCKET: storage.thumbnails.bucket.bucketName,
      UPLOADS_QUEUE_URL: messaging.uploadsQueue.queueUrl,
      UPLOADS_DLQ_URL: messaging.deadLetterQueue.queueUrl,
      CDN_BASE_URL: this.cdnBaseUrl,
      PORT: String(API_PORT),
      PUBLIC_BASE_URL: this.apiUrl(api),
      LOG_SUCCESS_SAMPLE_RATE: String(settings.logSuccessSampleRate),
      LOG_SLOW_REQUEST_MS: String(settings.logSlowRequestMs),
      WEB_ORIGINS: settings.webOrigins.join(','),
      AUTH_JWKS_URL: settings.authJwksUrl,
      AUTH_ISSUER: settings.authIssuer,
      AUTH_AUDIENCE: settings.authAudience,
      WORKER_VISIBILITY_TIMEOUT_SECONDS: String(settings.workerVisibilityTimeoutSeconds),
      WORKER_SHUTDOWN_GRACE_SECONDS: String(settings.workerShutdownGraceSeconds),
      WORKER_POLLERS: String(settings.workerPollers),
      DLQ_MAX_RECEIVE_COUNT: String(settings.dlqMaxReceiveCount),
      REJECTED_OBJECT_ACTION: settings.rejectedObjectAction,
      CDN_DISTRIBUTION_ID: this.cdn.distribution.distributionId,
    });
    config.addTo(api.app.container, API_ENV_KEYS);
    config.addTo(worker.container, [...WORKER_ENV_KEYS, ...OPERATOR_RECORDS]);
  }

  private warnAboutExampleContext(): void {
    const unset = REQUIRED_FOR_PRODUCTION.filter((key) => this.node.tryGetContext(key) === undefined);
    if (unset.length === 0) return;
    Annotations.of(this).addWarningV2(
      'upload-platform:example-context',
      `Using example defaults for ${unset.join(', ')}; pass real values with -c (infra/README.md, "Deploy").`,
    );
  }

  /** The singleton Lambda CDK adds to configure S3 bucket notifications at deploy time. */
  private acknowledgeBucketNotificationsHandler(): void {
    const handler = this.node.children.find((child) => child.node.id.startsWith('BucketNotificationsHandler'));
    if (!handler) return;
    Validations.of(handler).acknowledge({
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
      reason:
        'CDK-managed deploy-time handler that writes the bucket notification configuration; basic Lambda logging is all it gets.',
    });
  }
}

function retentionDays(days: number): logs.RetentionDays {
  const allowed = Object.values(logs.RetentionDays).filter((value): value is number => typeof value === 'number');
  const match = allowed.filter((value) => value >= days).sort((a, b) => a - b)[0];
  if (match === undefined) throw new Error(`No CloudWatch Logs retention covers ${days} days`);
  return match as logs.RetentionDays;
}
