import { Match, Template } from 'aws-cdk-lib/assertions';
import { loadApiConfig, loadWorkerConfig } from '../../libs/config/src/app-config';
import { API_ENV_KEYS, FORWARDER_ENV_KEYS, WORKER_ENV_KEYS } from '../../libs/config/src/env.schema';
import { consumerEnv } from '../../libs/config/src/groups/consumer.config';
import { corsRules } from '../../tools/local-stack/bootstrap';
import { localEnv } from '../../tools/local-stack/local-env';
import { HEALTHCHECK_SCRIPT } from '../lib/platform-service.construct';
import { PRODUCTION_CONTEXT, resource, SynthesizedPlatform, synthPlatform } from './synth-platform';

const QUEUE_PLACEHOLDERS = { UPLOADS_QUEUE_URL: 'https://q/uploads', UPLOADS_DLQ_URL: 'https://q/dlq' };

type Statement = { Effect: string; Action: string | string[]; Resource?: unknown; NotResource?: unknown };
type Container = {
  Name: string;
  Secrets?: { Name: string }[];
  Environment?: unknown;
  HealthCheck?: { Command: string[] };
};

let synth: SynthesizedPlatform;
let template: Template;

beforeAll(() => {
  synth = synthPlatform();
  template = synth.template;
});
afterAll(() => synth?.dispose());

const ref = (id: string) => ({ Ref: id });
const arnOf = (id: string) => ({ 'Fn::GetAtt': [id, 'Arn'] });
const list = <T>(value: T | T[] | undefined): T[] =>
  value === undefined ? [] : Array.isArray(value) ? value : [value];

/** Allow statements of every identity policy: policy resources and roles' inline policies. */
function allowStatements(): { policy: string; statement: Statement }[] {
  type Document = { Statement: Statement[] };
  const documents = [
    ...Object.entries(template.findResources('AWS::IAM::Policy')).map(
      ([policy, found]) => [policy, found.Properties.PolicyDocument as Document] as const,
    ),
    ...Object.entries(template.findResources('AWS::IAM::Role')).flatMap(([role, found]) =>
      ((found.Properties.Policies ?? []) as { PolicyDocument: Document }[]).map(
        ({ PolicyDocument }) => [role, PolicyDocument] as const,
      ),
    ),
  ];
  return documents.flatMap(([policy, document]) =>
    document.Statement.filter((statement) => statement.Effect === 'Allow').map((statement) => ({ policy, statement })),
  );
}

function actionsOf(policyPrefix: string): string[] {
  return allowStatements()
    .filter(({ policy }) => policy.startsWith(policyPrefix))
    .flatMap(({ statement }) => list(statement.Action))
    .sort();
}

function containers(taskPrefix: string): Container[] {
  return resource(template, 'AWS::ECS::TaskDefinition', taskPrefix).props.ContainerDefinitions as Container[];
}

/** What a container would see at start: SSM values (placeholders for deploy-time tokens) plus the image's ENV. */
function containerEnv(container: Container): Record<string, string> {
  const parameters = template.findResources('AWS::SSM::Parameter');
  const env: Record<string, string> = { NODE_ENV: 'production', HOST: '0.0.0.0' };
  for (const { Name } of container.Secrets ?? []) {
    const parameter = Object.values(parameters).find((p) => p.Properties.Name === `/upload-platform/config/${Name}`);
    const value: unknown = parameter?.Properties.Value;
    env[Name] = typeof value === 'string' ? value : `https://resolved-at-deploy.example/${Name}`;
  }
  return env;
}

describe('storage', () => {
  const uploadBuckets = () =>
    ['StorageOriginals', 'StorageThumbnails'].map((prefix) => resource(template, 'AWS::S3::Bucket', prefix));

  it('keeps every bucket private and encrypted, and refuses plain HTTP', () => {
    const buckets = template.findResources('AWS::S3::Bucket');
    expect(Object.keys(buckets)).toHaveLength(3);
    for (const [id, bucket] of Object.entries(buckets)) {
      expect(bucket.Properties.PublicAccessBlockConfiguration).toEqual({
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      });
      expect(
        bucket.Properties.BucketEncryption.ServerSideEncryptionConfiguration[0].ServerSideEncryptionByDefault,
      ).toEqual({ SSEAlgorithm: 'AES256' });
      template.hasResourceProperties('AWS::S3::BucketPolicy', {
        Bucket: ref(id),
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Effect: 'Deny',
              Action: 's3:*',
              Condition: { Bool: { 'aws:SecureTransport': 'false' } },
            }),
          ]),
        },
      });
    }
  });

  it('allows browser PUTs and the multipart calls with exactly the local stack CORS rule', () => {
    const origins = PRODUCTION_CONTEXT.webOrigins.split(',');
    const [local] = corsRules(origins);
    for (const { props } of uploadBuckets()) {
      expect(props.CorsConfiguration).toEqual({
        CorsRules: [
          {
            AllowedMethods: local!.AllowedMethods,
            AllowedOrigins: local!.AllowedOrigins,
            AllowedHeaders: local!.AllowedHeaders,
            ExposedHeaders: local!.ExposeHeaders,
            MaxAge: local!.MaxAgeSeconds,
          },
        ],
      });
    }
  });

  it('aborts stale multipart uploads, expires the quarantine in the originals bucket, and leaves versioning off', () => {
    for (const { props } of uploadBuckets()) {
      expect(props.LifecycleConfiguration).toEqual({
        Rules: expect.arrayContaining([
          expect.objectContaining({ AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 }, Status: 'Enabled' }),
        ]),
      });
      expect(props.VersioningConfiguration).toBeUndefined();
    }
    // Rejected objects of both kinds are quarantined in the private originals bucket only.
    const rules = (id: string) =>
      (resource(template, 'AWS::S3::Bucket', id).props as { LifecycleConfiguration: { Rules: unknown[] } })
        .LifecycleConfiguration.Rules;
    expect(rules('StorageOriginals')).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ Prefix: 'quarantine/', ExpirationInDays: 30, Status: 'Enabled' }),
      ]),
    );
    expect(rules('StorageThumbnails')).not.toEqual(
      expect.arrayContaining([expect.objectContaining({ Prefix: 'quarantine/' })]),
    );
  });
});

describe('messaging', () => {
  it('redrives to the DLQ after as many receives as the local stack, and keeps failures 14 days', () => {
    const dlq = resource(template, 'AWS::SQS::Queue', 'MessagingUploadsDlq');
    const uploads = resource(template, 'AWS::SQS::Queue', 'MessagingUploads').props;
    expect(uploads.RedrivePolicy).toEqual({
      deadLetterTargetArn: arnOf(dlq.id),
      maxReceiveCount: Number(localEnv({}).DLQ_MAX_RECEIVE_COUNT),
    });
    expect(uploads.VisibilityTimeout).toBe(consumerEnv.parse({}).WORKER_VISIBILITY_TIMEOUT_SECONDS);
    expect(dlq.props.MessageRetentionPeriod).toBe(14 * 24 * 3600);
    for (const props of [uploads, dlq.props]) expect(props.SqsManagedSseEnabled).toBe(true);
  });
});

describe('forwarder', () => {
  it('is a Node.js 24 arm64 Lambda from the esbuild bundle, with reserved concurrency', () => {
    const uploads = resource(template, 'AWS::SQS::Queue', 'MessagingUploads');
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      Handler: 'index.handler',
      ReservedConcurrentExecutions: 20,
      Environment: { Variables: Match.objectLike({ UPLOADS_QUEUE_URL: ref(uploads.id) }) },
    });
  });

  it('retries, then sends what still fails to the DLQ', () => {
    const dlq = resource(template, 'AWS::SQS::Queue', 'MessagingUploadsDlq');
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      MaximumRetryAttempts: 2,
      MaximumEventAgeInSeconds: 6 * 3600,
      DestinationConfig: { OnFailure: { Destination: arnOf(dlq.id) } },
    });
  });

  it('receives object-created events of both buckets, filtered by their key prefix', () => {
    for (const [bucket, prefix] of [
      ['StorageOriginals', 'originals/'],
      ['StorageThumbnails', 'thumbnails/'],
    ]) {
      template.hasResourceProperties('Custom::S3BucketNotifications', {
        BucketName: ref(resource(template, 'AWS::S3::Bucket', bucket!).id),
        NotificationConfiguration: {
          LambdaFunctionConfigurations: [
            Match.objectLike({
              Events: ['s3:ObjectCreated:*'],
              Filter: { Key: { FilterRules: [{ Name: 'prefix', Value: prefix }] } },
            }),
          ],
        },
      });
    }
  });
});

describe('secrets', () => {
  it('keeps the logical IDs the secrets were first deployed with: a new one would replace a secret and its value', () => {
    expect(Object.keys(template.findResources('AWS::SecretsManager::Secret')).sort()).toEqual([
      'DatabaseSecret3B817195',
      'ErasureAuditSalt99F73675',
      'RenderOriginSecret8263D353',
      'RenderSigningSecretD9D53C36',
      'SlackWebhook2D9E8715',
      'UserKeySecret13BDA205',
    ]);
  });
});

describe('database', () => {
  it('is Aurora PostgreSQL Serverless v2 with a writer and a reader, encrypted, backed up and protected', () => {
    const cluster = resource(template, 'AWS::RDS::DBCluster', 'DatabaseCluster');
    expect(cluster.props).toMatchObject({
      Engine: 'aurora-postgresql',
      StorageEncrypted: true,
      DeletionProtection: true,
      BackupRetentionPeriod: 14,
      ServerlessV2ScalingConfiguration: { MinCapacity: 0.5, MaxCapacity: 8 },
    });
    template.hasResource('AWS::RDS::DBCluster', { DeletionPolicy: 'Snapshot' });
    template.resourcePropertiesCountIs('AWS::RDS::DBInstance', { DBInstanceClass: 'db.serverless' }, 2);
    template.hasResourceProperties('AWS::SecretsManager::Secret', {
      GenerateSecretString: Match.objectLike({
        SecretStringTemplate: Match.stringLikeRegexp('"dbname":"image_uploads"'),
      }),
    });
  });
});

describe('compute', () => {
  it('runs the API behind the ALB, health-checked on the shallow /healthz, with HTTPS and a rolling deployment that rolls back', () => {
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::TargetGroup', {
      HealthCheckPath: '/healthz',
      TargetType: 'ip',
      Port: 3000,
    });
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', {
      Port: 443,
      Protocol: 'HTTPS',
      Certificates: [{ CertificateArn: PRODUCTION_CONTEXT.apiCertificateArn }],
    });
    for (const service of ['ApiService', 'WorkerService']) {
      expect(resource(template, 'AWS::ECS::Service', service).props.DeploymentConfiguration).toMatchObject({
        DeploymentCircuitBreaker: { Enable: true, Rollback: true },
        MinimumHealthyPercent: 100,
      });
    }
  });

  it('configures containers only through SSM and Secrets Manager, and each app accepts what it gets', () => {
    const [api, migrate] = ['api', 'migrate'].map((name) => containers('ApiServiceTask').find((c) => c.Name === name)!);
    const [worker] = containers('WorkerServiceTask');
    for (const container of [api!, migrate!, worker!]) expect(container.Environment).toBeUndefined();

    const apiConfig = loadApiConfig(containerEnv(api!));
    expect(apiConfig).toMatchObject({
      host: '0.0.0.0',
      port: 3000,
      publicBaseUrl: `https://${PRODUCTION_CONTEXT.apiDomainName}`,
      webOrigins: PRODUCTION_CONTEXT.webOrigins.split(','),
      auth: { jwksUrl: PRODUCTION_CONTEXT.authJwksUrl, devTokenEnabled: false },
    });
    const workerConfig = loadWorkerConfig(containerEnv(worker!));
    expect(workerConfig.consumer.visibilityTimeoutSeconds).toBe(
      resource(template, 'AWS::SQS::Queue', 'MessagingUploads').props.VisibilityTimeout,
    );
    expect(worker!.Secrets!.map((s) => s.Name)).toEqual(
      expect.arrayContaining(['DATABASE_SECRET', 'SLACK_WEBHOOK_URL']),
    );
    expect(migrate!.Secrets!.map((s) => s.Name)).toEqual(['DATABASE_SECRET']);
  });

  it('hands each container only variables its app reads, from the key lists of libs/config', () => {
    const names = (container: Container) => (container.Secrets ?? []).map((s) => s.Name);
    const api = containers('ApiServiceTask').find((c) => c.Name === 'api')!;
    const [worker] = containers('WorkerServiceTask');
    // DATABASE_SECRET becomes DATABASE_URL in the image's preload; the redrive count is a record.
    const unread = (keys: readonly string[], given: string[]) =>
      given.filter((name) => !keys.includes(name) && name !== 'DATABASE_SECRET');
    expect(unread(API_ENV_KEYS, names(api))).toEqual([]);
    expect(unread(WORKER_ENV_KEYS, names(worker!))).toEqual(['DLQ_MAX_RECEIVE_COUNT']);
    const [forwarder] = Object.values(template.findResources('AWS::Lambda::Function')).filter(
      (fn) => fn.Properties.Environment?.Variables?.UPLOADS_QUEUE_URL !== undefined,
    );
    const variables = Object.keys(forwarder!.Properties.Environment.Variables as object);
    expect(unread(FORWARDER_ENV_KEYS, variables)).toEqual(['NODE_OPTIONS']);
  });

  it('runs migrations to completion before the API container starts', () => {
    const [api] = containers('ApiServiceTask').filter((c) => c.Name === 'api');
    expect(api).toMatchObject({ DependsOn: [{ ContainerName: 'migrate', Condition: 'SUCCESS' }] });
    template.hasResource('AWS::ECS::Service', {
      Properties: Match.objectLike({
        TaskDefinition: ref(resource(template, 'AWS::ECS::TaskDefinition', 'WorkerServiceTask').id),
      }),
      DependsOn: Match.arrayWith([resource(template, 'AWS::ECS::Service', 'ApiService').id]),
    });
  });

  it('health-checks both containers with the script the image ships, on ARM64, from ECR', () => {
    for (const [task, name] of [
      ['ApiServiceTask', 'api'],
      ['WorkerServiceTask', 'worker'],
    ] as const) {
      const container = containers(task).find((c) => c.Name === name)!;
      expect(container.HealthCheck!.Command).toEqual(['CMD', 'node', HEALTHCHECK_SCRIPT, name]);
      expect(resource(template, 'AWS::ECS::TaskDefinition', task).props.RuntimePlatform).toEqual({
        CpuArchitecture: 'ARM64',
        OperatingSystemFamily: 'LINUX',
      });
      expect(JSON.stringify(container)).toContain(`/upload-platform/${name}:${PRODUCTION_CONTEXT.imageTag}`);
    }
  });
});

describe('scaling', () => {
  it('tracks CPU on both services and backlog per task on the worker', () => {
    template.resourcePropertiesCountIs(
      'AWS::ApplicationAutoScaling::ScalingPolicy',
      {
        TargetTrackingScalingPolicyConfiguration: Match.objectLike({
          PredefinedMetricSpecification: { PredefinedMetricType: 'ECSServiceAverageCPUUtilization' },
        }),
      },
      2,
    );
    const worker = resource(template, 'AWS::ApplicationAutoScaling::ScalableTarget', 'WorkerServiceScaling');
    template.hasResourceProperties('AWS::ApplicationAutoScaling::ScalingPolicy', {
      ScalingTargetId: ref(worker.id),
      TargetTrackingScalingPolicyConfiguration: Match.objectLike({
        TargetValue: 100,
        CustomizedMetricSpecification: {
          Metrics: Match.arrayWith([
            Match.objectLike({
              MetricStat: Match.objectLike({
                Metric: Match.objectLike({ MetricName: 'ApproximateNumberOfMessagesVisible' }),
              }),
            }),
            Match.objectLike({
              MetricStat: Match.objectLike({ Metric: Match.objectLike({ MetricName: 'RunningTaskCount' }) }),
            }),
            Match.objectLike({ Expression: 'visible / tasks', ReturnData: true }),
          ]),
        },
      }),
    });
  });

  it('raises the minimum over the last days of each month and lowers it after', () => {
    for (const [target, min, monthEnd] of [
      ['ApiServiceScaling', 2, 4],
      ['WorkerServiceScaling', 1, 3],
    ] as const) {
      expect(resource(template, 'AWS::ApplicationAutoScaling::ScalableTarget', target).props).toMatchObject({
        MinCapacity: min,
        ScheduledActions: [
          { Schedule: 'cron(0 0 25 * ? *)', ScalableTargetAction: { MinCapacity: monthEnd }, Timezone: 'UTC' },
          { Schedule: 'cron(0 12 2 * ? *)', ScalableTargetAction: { MinCapacity: min }, Timezone: 'UTC' },
        ],
      });
    }
  });
});

describe('edge', () => {
  it('serves thumbnails through CloudFront with origin access control, and only the worker-made renditions', () => {
    const thumbnails = resource(template, 'AWS::S3::Bucket', 'StorageThumbnails').id;
    template.hasResourceProperties('AWS::CloudFront::Distribution', {
      DistributionConfig: Match.objectLike({
        Origins: Match.arrayWith([Match.objectLike({ OriginAccessControlId: Match.anyValue() })]),
        DefaultCacheBehavior: Match.objectLike({ ViewerProtocolPolicy: 'https-only' }),
      }),
    });
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: ref(thumbnails),
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Allow',
            Principal: { Service: 'cloudfront.amazonaws.com' },
            Action: 's3:GetObject',
          }),
          Match.objectLike({
            Effect: 'Deny',
            Principal: { Service: 'cloudfront.amazonaws.com' },
            // Never `thumbnails/` (a client's bytes, before or without the worker's re-encoding):
            // what the CDN serves is only what the worker wrote.
            NotResource: { 'Fn::Join': ['', [arnOf(thumbnails), '/renditions/*']] },
          }),
        ]),
      },
    });
    const cdnStatements = Object.values(
      template.findResources('AWS::S3::BucketPolicy', { Properties: { Bucket: ref(thumbnails) } }),
    )
      .flatMap((policy) => (policy.Properties.PolicyDocument as { Statement: Statement[] }).Statement)
      .filter((statement) => JSON.stringify(statement).includes('cloudfront.amazonaws.com'));
    expect(cdnStatements).toHaveLength(2);
    expect(JSON.stringify(cdnStatements)).not.toContain('/thumbnails/');
  });

  it('sends /v1/render/* to the API, cached on path, signed query and the format negotiated from Accept', () => {
    template.hasResourceProperties('AWS::CloudFront::Distribution', {
      DistributionConfig: Match.objectLike({
        Origins: Match.arrayWith([
          Match.objectLike({
            DomainName: PRODUCTION_CONTEXT.apiDomainName,
            CustomOriginConfig: Match.objectLike({ OriginProtocolPolicy: 'https-only' }),
          }),
        ]),
        CacheBehaviors: [
          Match.objectLike({
            PathPattern: '/v1/render/*',
            ViewerProtocolPolicy: 'https-only',
            AllowedMethods: ['GET', 'HEAD'],
            FunctionAssociations: [Match.objectLike({ EventType: 'viewer-request' })],
          }),
        ],
      }),
    });
    // A render is never cached longer than its URL lives (RENDER_URL_TTL_SECONDS, 24 h).
    const renderPolicy = resource(template, 'AWS::CloudFront::CachePolicy', 'ThumbnailCdnRenderCachePolicy').props
      .CachePolicyConfig as { DefaultTTL: number; MaxTTL: number };
    expect(renderPolicy.MaxTTL).toBeLessThanOrEqual(
      loadApiConfig({ ...QUEUE_PLACEHOLDERS, AUTH_JWT_SECRET: 'x'.repeat(32) }).render.urlTtlSeconds,
    );
    expect(renderPolicy.DefaultTTL).toBeLessThanOrEqual(renderPolicy.MaxTTL);
    // CloudFront proves itself to the render route with a secret header, resolved at deploy time.
    const distribution = resource(template, 'AWS::CloudFront::Distribution', 'ThumbnailCdnDistribution').props
      .DistributionConfig as {
      Origins: { CustomOriginConfig?: object; OriginCustomHeaders?: { HeaderName: string; HeaderValue: unknown }[] }[];
    };
    const renderOrigin = distribution.Origins.find((origin) => origin.CustomOriginConfig)!;
    expect(renderOrigin.OriginCustomHeaders).toEqual([
      { HeaderName: 'X-Origin-Verify', HeaderValue: expect.objectContaining({ 'Fn::Join': expect.anything() }) },
    ]);
    expect(JSON.stringify(renderOrigin.OriginCustomHeaders)).toContain('resolve:secretsmanager');
    template.hasResourceProperties('AWS::CloudFront::CachePolicy', {
      CachePolicyConfig: Match.objectLike({
        ParametersInCacheKeyAndForwardedToOrigin: Match.objectLike({
          QueryStringsConfig: {
            QueryStringBehavior: 'whitelist',
            QueryStrings: ['w', 'h', 'fit', 'fmt', 'q', 'exp', 'sig'],
          },
          HeadersConfig: { HeaderBehavior: 'whitelist', Headers: ['Accept'] },
          CookiesConfig: { CookieBehavior: 'none' },
        }),
      }),
    });
    const api = containers('ApiServiceTask').find((c) => c.Name === 'api')!;
    expect(api.Secrets!.map((s) => s.Name)).toEqual(
      expect.arrayContaining(['RENDER_SIGNING_SECRET', 'RENDER_ORIGIN_SECRET', 'USER_KEY_SECRET']),
    );
    const [worker] = containers('WorkerServiceTask');
    expect(worker!.Secrets!.map((s) => s.Name)).toEqual(
      expect.arrayContaining(['USER_KEY_SECRET', 'CDN_DISTRIBUTION_ID']),
    );
  });

  it('puts a regional WAF with a per-IP rate limit in front of the ALB', () => {
    template.hasResourceProperties('AWS::WAFv2::WebACL', {
      Scope: 'REGIONAL',
      Rules: Match.arrayWith([
        Match.objectLike({
          Statement: { RateBasedStatement: Match.objectLike({ AggregateKeyType: 'IP', Limit: 1000 }) },
        }),
      ]),
    });
    template.resourceCountIs('AWS::WAFv2::WebACLAssociation', 1);
  });
});

describe('network', () => {
  it('spans two AZs with gateway (S3) and interface (SQS) endpoints', () => {
    template.resourceCountIs('AWS::EC2::Subnet', 6);
    template.hasResourceProperties('AWS::EC2::VPCEndpoint', {
      VpcEndpointType: 'Gateway',
      ServiceName: Match.objectLike({ 'Fn::Join': ['', Match.arrayWith(['.s3'])] }),
    });
    template.hasResourceProperties('AWS::EC2::VPCEndpoint', {
      VpcEndpointType: 'Interface',
      ServiceName: 'com.amazonaws.eu-central-1.sqs',
    });
  });
});

describe('alarms', () => {
  const metricAlarm = (metricName: string) =>
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: metricName,
      AlarmActions: [ref(resource(template, 'AWS::SNS::Topic', 'AlarmsTopic').id)],
    });

  it('alarms on DLQ depth, oldest message age, API 5xx rate and forwarder errors, to one encrypted topic', () => {
    template.resourceCountIs('AWS::CloudWatch::Alarm', 5);
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
      Dimensions: [
        {
          Name: 'QueueName',
          Value: { 'Fn::GetAtt': [resource(template, 'AWS::SQS::Queue', 'MessagingUploadsDlq').id, 'QueueName'] },
        },
      ],
    });
    metricAlarm('ApproximateAgeOfOldestMessage');
    metricAlarm('Errors');
    metricAlarm('DestinationDeliveryFailures');
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Metrics: Match.arrayWith([Match.objectLike({ Expression: Match.stringLikeRegexp('targetErrors') })]),
    });
    expect(resource(template, 'AWS::SNS::Topic', 'AlarmsTopic').props.KmsMasterKeyId).toBeDefined();
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: PRODUCTION_CONTEXT.alarmEmail,
    });
  });
});

describe('least privilege', () => {
  it('grants no service-wide wildcard actions', () => {
    const actions = allowStatements().flatMap(({ statement }) => list(statement.Action));
    expect(actions.filter((action) => action === '*' || action.endsWith(':*'))).toEqual([]);
  });

  it('uses Resource "*" only for actions that have no resource-level permissions', () => {
    const unscoped = allowStatements()
      .filter(({ statement }) => statement.Resource === '*')
      .flatMap(({ statement }) => list(statement.Action));
    expect([...new Set(unscoped)].sort()).toEqual(['ecr:GetAuthorizationToken']);
  });

  it('gives each task role exactly what its app calls', () => {
    // The same verbs for different reasons (the API's SQS calls are readiness and the DLQ
    // redrive; the worker consumes and dead-letters); the resources they reach differ, below.
    const calls = [
      's3:DeleteObject',
      's3:GetObject',
      's3:ListBucket',
      's3:PutObject',
      'sqs:ChangeMessageVisibility',
      'sqs:DeleteMessage',
      'sqs:GetQueueAttributes',
      'sqs:ReceiveMessage',
      'sqs:SendMessage',
    ];
    // Multipart sessions: the API lists parts (before signing a completion) and aborts; the
    // worker's sweep aborts and lists a key's multipart uploads.
    expect([...new Set(actionsOf('ApiServiceTaskTaskRole'))]).toEqual(
      ['s3:AbortMultipartUpload', 's3:ListMultipartUploadParts', ...calls].sort(),
    );
    // The worker also invalidates deleted images' CDN paths, on its one distribution only.
    expect([...new Set(actionsOf('WorkerServiceTaskTaskRole'))]).toEqual(
      ['cloudfront:CreateInvalidation', 's3:AbortMultipartUpload', 's3:ListBucketMultipartUploads', ...calls].sort(),
    );
    const invalidation = allowStatements().filter(({ statement }) =>
      list(statement.Action).includes('cloudfront:CreateInvalidation'),
    );
    expect(invalidation).toHaveLength(1);
    expect(JSON.stringify(invalidation[0]!.statement.Resource)).toContain(
      resource(template, 'AWS::CloudFront::Distribution', 'ThumbnailCdnDistribution').id,
    );
  });

  it('scopes the multipart grants to the originals bucket (objects under originals/, the bucket for the listing)', () => {
    const originals = resource(template, 'AWS::S3::Bucket', 'StorageOriginals').id;
    const multipart = allowStatements().filter(({ statement }) =>
      list(statement.Action).some((action) => /Multipart/.test(action)),
    );
    expect(multipart.length).toBeGreaterThanOrEqual(3);
    for (const { statement } of multipart) {
      const resources = list(statement.Resource);
      const expected = list(statement.Action).includes('s3:ListBucketMultipartUploads')
        ? [arnOf(originals!)]
        : [{ 'Fn::Join': ['', [arnOf(originals!), '/originals/*']] }];
      expect(resources).toEqual(expected);
    }
  });

  it('lets the worker write only renditions, and quarantined copies in the originals bucket', () => {
    const [originals, thumbnails] = ['StorageOriginals', 'StorageThumbnails'].map(
      (prefix) => resource(template, 'AWS::S3::Bucket', prefix).id,
    );
    const objects = (bucket: string, prefix: string) => ({ 'Fn::Join': ['', [arnOf(bucket), `/${prefix}*`]] });
    const puts = allowStatements()
      .filter(
        ({ policy, statement }) =>
          policy.startsWith('WorkerServiceTaskTaskRole') && list(statement.Action).includes('s3:PutObject'),
      )
      .flatMap(({ statement }) => list(statement.Resource));
    expect(puts).toEqual(
      expect.arrayContaining([objects(originals!, 'quarantine/'), objects(thumbnails!, 'renditions/')]),
    );
    expect(puts).toHaveLength(2);
  });

  it('never lets the worker delete from the DLQ', () => {
    const dlq = resource(template, 'AWS::SQS::Queue', 'MessagingUploadsDlq').id;
    const onDlq = allowStatements().filter(
      ({ policy, statement }) =>
        policy.startsWith('WorkerServiceTaskTaskRole') &&
        JSON.stringify(statement.Resource) === JSON.stringify(arnOf(dlq)),
    );
    expect(onDlq.flatMap(({ statement }) => list(statement.Action))).not.toContain('sqs:DeleteMessage');
  });
});

describe('images', () => {
  it('keeps api, worker and migrate images in immutable, scanned repositories', () => {
    for (const name of ['api', 'worker', 'migrate']) {
      synth.imagesTemplate.hasResourceProperties('AWS::ECR::Repository', {
        RepositoryName: `upload-platform/${name}`,
        ImageTagMutability: 'IMMUTABLE',
        ImageScanningConfiguration: { ScanOnPush: true },
      });
    }
  });
});
