import {
  Annotations,
  CfnOutput,
  Duration,
  SecretValue,
  Stack,
  StackProps,
  aws_ecr as ecr,
  aws_ecs as ecs,
  aws_iam as iam,
  aws_logs as logs,
  aws_secretsmanager as secretsmanager,
  Validations,
} from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { API_ENV_KEYS, apiEnv, ApiEnvKey, WORKER_ENV_KEYS, WorkerEnvKey } from '../../libs/config/src/env.schema';
import { QUARANTINE_PREFIX, RENDITIONS_PREFIX } from '../../libs/contracts/src/object-key';
import { Alarms } from './alarms.construct';
import { ApiService } from './api-service.construct';
import { Database } from './database.construct';
import { Forwarder } from './forwarder.construct';
import { ImageName, imageRepositoryName } from './image-repositories.stack';
import { Messaging } from './messaging.construct';
import { Network } from './network.construct';
import type { PlatformService, PlatformServiceProps } from './platform-service.construct';
import { PlatformSettings, REQUIRED_FOR_PRODUCTION } from './platform.settings';
import { RuntimeConfig } from './runtime-config.construct';
import { listBucketStatement, objectArns, objectWildcardFinding, Storage, UploadBucket } from './storage.construct';
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

/** Everything design.md describes, in one region: storage, queues, forwarder, database, services, edge, alarms. */
export class UploadPlatformStack extends Stack {
  private readonly settings: PlatformSettings;
  private readonly logRetention: logs.RetentionDays;
  private readonly storage: Storage;
  private readonly network: Network;
  private readonly messaging: Messaging;
  private readonly database: Database;
  private readonly cdn: ThumbnailCdn;
  private readonly renderOriginSecret: secretsmanager.Secret;
  private readonly userKeySecret: secretsmanager.Secret;

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

    this.renderOriginSecret = this.secret(
      'RenderOriginSecret',
      'render-origin-secret',
      'X-Origin-Verify value CloudFront adds to render requests (RENDER_ORIGIN_SECRET)',
      'Rotated by hand with a redeploy: CloudFront and the API must change it together.',
    );
    this.userKeySecret = this.secret(
      'UserKeySecret',
      'user-key-secret',
      'HMAC key of the per-user pseudonym in object keys (USER_KEY_SECRET)',
      "Never rotated: erasure finds a user's objects by the pseudonym, and existing keys carry it.",
    );
    const { api, worker, slackWebhook } = this.services();
    this.cdn.addRenderOrigin({
      domainName: settings.apiDomainName ?? api.loadBalancer.loadBalancerDnsName,
      https: settings.apiDomainName !== undefined,
      originVerifySecret: this.renderOriginSecret,
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
      SlackWebhookSecretArn: slackWebhook.secretArn,
      DatabaseSecretArn: this.database.secret.secretArn,
      ClusterName: api.app.service.cluster.clusterName,
      ApiServiceName: api.app.service.serviceName,
      WorkerServiceName: worker.app.service.serviceName,
    };
    for (const [name, value] of Object.entries(outputs)) new CfnOutput(this, name, { value });
  }

  /** Shared by every API task, so any of them verifies a URL another one signed. */
  private renderSigningSecret(): secretsmanager.Secret {
    return this.secret(
      'RenderSigningSecret',
      'render-signing-secret',
      'HMAC key of signed render URLs (RENDER_SIGNING_SECRET)',
      'Rotating it invalidates every outstanding render URL (and CDN cache keys stay valid), so it is rotated by hand with a redeploy, not on a schedule.',
    );
  }

  /**
   * HMAC key for the user-id hash an erasure keeps as proof. API and worker must share it,
   * and it must never change: the "is this user erased?" checks look the hash up.
   */
  private erasureAuditSalt(): secretsmanager.Secret {
    return this.secret(
      'ErasureAuditSalt',
      'erasure-audit-salt',
      'HMAC key of erased user ids (ERASURE_AUDIT_SALT)',
      'Rotating it would break the lookups of already erased users, so it is never rotated.',
    );
  }

  /** A generated secret that is rotated by hand or never (`rotation` says which, and why). */
  private secret(id: string, name: string, description: string, rotation: string): secretsmanager.Secret {
    const secret = new secretsmanager.Secret(this, id, {
      secretName: `${this.settings.appName}/${name}`,
      description,
      generateSecretString: { passwordLength: 64, excludePunctuation: true },
    });
    Validations.of(secret).acknowledge({ id: 'AwsSolutions-SMG4', reason: rotation });
    return secret;
  }

  private get cdnBaseUrl(): string {
    return `https://${this.cdn.distribution.distributionDomainName}`;
  }

  private apiUrl(api: ApiService): string {
    return this.settings.apiDomainName
      ? `https://${this.settings.apiDomainName}`
      : `http://${api.loadBalancer.loadBalancerDnsName}`;
  }

  private services(): { api: ApiService; worker: WorkerService; slackWebhook: secretsmanager.Secret } {
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

    const erasureSalt = this.erasureAuditSalt();
    const api = new ApiService(this, 'Api', {
      containerPort: API_PORT,
      vpc: this.network.vpc,
      accessLogs: this.storage.accessLogs,
      certificateArn: settings.apiCertificateArn,
      wafRequestsPerIpPer5Min: settings.wafRequestsPerIpPer5Min,
      migration: { image: this.image('migrate'), secrets: databaseSecret },
      service: {
        ...shared,
        image: this.image('api'),
        cpu: settings.apiCpu,
        memoryLimitMiB: settings.apiMemoryMiB,
        // The ALB stops sending requests before SIGTERM; this only covers requests in flight.
        stopTimeout: Duration.seconds(30),
        capacity: { min: settings.apiMinTasks, max: settings.apiMaxTasks, monthEndMin: settings.apiMonthEndMinTasks },
        secrets: {
          ...databaseSecret,
          RENDER_SIGNING_SECRET: ecs.Secret.fromSecretsManager(this.renderSigningSecret()),
          RENDER_ORIGIN_SECRET: ecs.Secret.fromSecretsManager(this.renderOriginSecret),
          ERASURE_AUDIT_SALT: ecs.Secret.fromSecretsManager(erasureSalt),
          USER_KEY_SECRET: ecs.Secret.fromSecretsManager(this.userKeySecret),
        },
      },
    });

    const slackWebhook = new secretsmanager.Secret(this, 'SlackWebhook', {
      secretName: `${settings.appName}/slack-webhook-url`,
      description: 'Incoming webhook of the worker DLQ monitor, as {"url":"https://hooks.slack.com/..."}',
      // An empty placeholder (the apps read "" as unset); the real URL is put with
      // put-secret-value and never enters a template.
      secretObjectValue: { url: SecretValue.unsafePlainText('') },
    });
    Validations.of(slackWebhook).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason: 'Slack issues webhook URLs; Secrets Manager has nothing to rotate them with. Replace by hand if leaked.',
    });
    const worker = new WorkerService(this, 'Worker', {
      uploadsQueue: this.messaging.uploadsQueue,
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
        secrets: {
          ...databaseSecret,
          SLACK_WEBHOOK_URL: ecs.Secret.fromSecretsManager(slackWebhook, 'url'),
          ERASURE_AUDIT_SALT: ecs.Secret.fromSecretsManager(erasureSalt),
          USER_KEY_SECRET: ecs.Secret.fromSecretsManager(this.userKeySecret),
        },
      },
    });
    // CloudFormation updates the worker only once the API (whose tasks run the migrations) is stable.
    worker.app.service.node.addDependency(api.app.service);

    for (const { service } of [api.app, worker.app]) {
      this.database.cluster.connections.allowDefaultPortFrom(service);
      this.network.sqsEndpoint.connections.allowDefaultPortFrom(service);
    }
    this.configure(api, worker.app);
    this.grantApi(api.app);
    this.grantWorker(worker.app);
    return { api, worker, slackWebhook };
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

  /** Presigns PUTs and GETs, deletes images, and probes S3 and SQS for /readyz. */
  private grantApi(api: PlatformService): void {
    const buckets = this.storage.uploadBuckets;
    this.allowObjects(api, ['s3:PutObject', 's3:GetObject', 's3:DeleteObject'], buckets);
    // Deleting an image deletes its pre-made sizes too.
    this.allowObjects(api, ['s3:DeleteObject'], [this.storage.thumbnails], RENDITIONS_PREFIX);
    // Multipart sessions of originals: created server-side (s3:PutObject), their parts listed
    // before a completion is signed, aborted when not stored; the URLs it signs for clients
    // (UploadPart, Complete: s3:PutObject; ListParts; Abort) act with these grants too.
    this.allowObjects(api, ['s3:AbortMultipartUpload', 's3:ListMultipartUploadParts'], [this.storage.originals]);
    api.allow(
      listBucketStatement(buckets),
      // Readiness, and the admin redrive (send back to the uploads queue)...
      new iam.PolicyStatement({
        actions: ['sqs:GetQueueAttributes', 'sqs:SendMessage'],
        resources: [this.messaging.uploadsQueue.queueArn],
      }),
      // ...which peeks at the DLQ (handing messages straight back) and deletes what it moved.
      new iam.PolicyStatement({
        actions: ['sqs:ReceiveMessage', 'sqs:ChangeMessageVisibility', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes'],
        resources: [this.messaging.deadLetterQueue.queueArn],
      }),
    );
  }

  /**
   * Reads what clients uploaded, deletes or quarantines what fails verification, writes the
   * thumbnails it makes itself, consumes the uploads queue and re-announces lost events on it,
   * dead-letters malformed messages, and reads (never deletes) the DLQ for the monitor: what is
   * there stays for a person.
   */
  private grantWorker(worker: PlatformService): void {
    const { uploadBuckets, thumbnails } = this.storage;
    const { uploadsQueue, deadLetterQueue } = this.messaging;
    this.allowObjects(worker, ['s3:GetObject', 's3:DeleteObject'], uploadBuckets);
    // Quarantine is only ever written to the private originals bucket (quarantineLocation), and
    // the only objects the worker makes are its re-encoded renditions: it writes nothing a
    // client's event could be raised for, nor anything under a prefix the CDN serves unchecked.
    this.allowObjects(worker, ['s3:PutObject'], [this.storage.originals], QUARANTINE_PREFIX);
    this.allowObjects(worker, ['s3:PutObject'], [thumbnails], RENDITIONS_PREFIX);
    // An erasure removes every object of the user, quarantined copies (also those an earlier
    // release left in the thumbnails bucket) and renditions included.
    this.allowObjects(worker, ['s3:DeleteObject'], uploadBuckets, QUARANTINE_PREFIX);
    this.allowObjects(worker, ['s3:DeleteObject'], [thumbnails], RENDITIONS_PREFIX);
    // The sweep aborts ended multipart sessions, and the strays it lists under their keys.
    this.allowObjects(worker, ['s3:AbortMultipartUpload'], [this.storage.originals]);
    worker.allow(
      new iam.PolicyStatement({
        actions: ['s3:ListBucketMultipartUploads'],
        resources: [this.storage.originals.bucket.bucketArn],
      }),
    );
    worker.allow(
      // Deleted images and erased users: their cached copies are invalidated (the outbox pass).
      new iam.PolicyStatement({
        actions: ['cloudfront:CreateInvalidation'],
        resources: [this.cdn.distribution.distributionArn],
      }),
    );
    worker.allow(
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

  /** Object keys are made per user and upload, so object ARNs end in a wildcard under one prefix. */
  private allowObjects(service: PlatformService, actions: string[], buckets: UploadBucket[], prefix?: string): void {
    service.allow(new iam.PolicyStatement({ actions, resources: objectArns(buckets, prefix) }));
    Validations.of(service.taskDefinition.taskRole).acknowledge(
      ...buckets.map((upload) => ({
        id: objectWildcardFinding(upload.bucket, prefix ?? upload.prefix),
        reason: `Keys are {prefix}{userId}/{uploadId}, made per upload; the wildcard covers one key prefix of one bucket (${actions.join(', ')}).`,
      })),
    );
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
