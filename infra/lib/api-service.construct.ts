import {
  Annotations,
  Duration,
  aws_ec2 as ec2,
  aws_ecs as ecs,
  aws_elasticloadbalancingv2 as elbv2,
  aws_iam as iam,
  aws_s3 as s3,
  aws_wafv2 as wafv2,
  Validations,
} from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { RENDITIONS_PREFIX } from '../../libs/contracts/src/object-key';
import type { Messaging } from './messaging.construct';
import { PlatformService, PlatformServiceProps } from './platform-service.construct';
import { listBucketStatement, Storage } from './storage.construct';

export interface ApiServiceProps {
  service: Omit<PlatformServiceProps, 'name' | 'containerPort' | 'healthCheckGracePeriod'>;
  containerPort: number;
  vpc: ec2.IVpc;
  accessLogs: s3.IBucket;
  certificateArn?: string;
  wafRequestsPerIpPer5Min: number;
  /** Runs `prisma migrate deploy` before the API container of every task starts. */
  migration: { image: ecs.ContainerImage; secrets: Record<string, ecs.Secret> };
  /** What the task role may touch: see grant(). */
  storage: Storage;
  messaging: Messaging;
}

/**
 * The API on Fargate behind an internet-facing ALB with a regional WAF (rate limit per client IP
 * plus AWS managed rules). Why ALB + WAF rather than API Gateway: infra/README.md.
 */
export class ApiService extends Construct {
  readonly app: PlatformService;
  readonly loadBalancer: elbv2.ApplicationLoadBalancer;
  readonly targetGroup: elbv2.ApplicationTargetGroup;

  constructor(scope: Construct, id: string, props: ApiServiceProps) {
    super(scope, id);
    this.app = new PlatformService(this, 'Service', {
      ...props.service,
      name: 'api',
      containerPort: props.containerPort,
      // Migrations and the first health checks run inside this window.
      healthCheckGracePeriod: Duration.seconds(90),
    });
    this.addMigration(props.migration);
    this.grant(props.storage, props.messaging);

    this.loadBalancer = new elbv2.ApplicationLoadBalancer(this, 'Alb', {
      vpc: props.vpc,
      internetFacing: true,
      vpcSubnets: { subnetType: ec2.SubnetType.PUBLIC },
      dropInvalidHeaderFields: true,
    });
    this.loadBalancer.logAccessLogs(props.accessLogs, 'alb');
    Validations.of(this.loadBalancer).acknowledge({
      id: 'AwsSolutions-EC23',
      reason: 'The ALB is the public entry point of the API; the WAF in front of it filters and rate-limits.',
    });

    this.targetGroup = new elbv2.ApplicationTargetGroup(this, 'Targets', {
      vpc: props.vpc,
      port: props.containerPort,
      protocol: elbv2.ApplicationProtocol.HTTP,
      targetType: elbv2.TargetType.IP,
      targets: [this.app.service],
      // The shallow /healthz (the process answers): /readyz checks PostgreSQL, S3 and SQS, so one
      // database blip would fail every task's check at once and the ALB would drain the whole
      // service. /readyz stays for operators and monitoring.
      healthCheck: {
        path: '/healthz',
        healthyHttpCodes: '200',
        interval: Duration.seconds(15),
        timeout: Duration.seconds(5),
        healthyThresholdCount: 2,
        unhealthyThresholdCount: 3,
      },
      // Requests are small JSON calls (bytes go straight to S3), so draining is quick.
      deregistrationDelay: Duration.seconds(30),
    });
    this.addListeners(props.certificateArn);
    this.addFirewall(props.wafRequestsPerIpPer5Min);
  }

  /** Presigns PUTs and GETs, deletes images, and probes S3 and SQS for /readyz. */
  private grant(storage: Storage, messaging: Messaging): void {
    const buckets = storage.uploadBuckets;
    this.app.allowObjects(['s3:PutObject', 's3:GetObject', 's3:DeleteObject'], buckets);
    // Deleting an image deletes its pre-made sizes too.
    this.app.allowObjects(['s3:DeleteObject'], [storage.thumbnails], RENDITIONS_PREFIX);
    // Multipart sessions of originals: created server-side (s3:PutObject), their parts listed
    // before a completion is signed, aborted when not stored; the URLs it signs for clients
    // (UploadPart, Complete: s3:PutObject; ListParts; Abort) act with these grants too.
    this.app.allowObjects(['s3:AbortMultipartUpload', 's3:ListMultipartUploadParts'], [storage.originals]);
    this.app.allow(
      listBucketStatement(buckets),
      // Readiness, and the admin redrive (send back to the uploads queue)...
      new iam.PolicyStatement({
        actions: ['sqs:GetQueueAttributes', 'sqs:SendMessage'],
        resources: [messaging.uploadsQueue.queueArn],
      }),
      // ...which peeks at the DLQ (handing messages straight back) and deletes what it moved.
      new iam.PolicyStatement({
        actions: ['sqs:ReceiveMessage', 'sqs:ChangeMessageVisibility', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes'],
        resources: [messaging.deadLetterQueue.queueArn],
      }),
    );
  }

  private addMigration(migration: ApiServiceProps['migration']): void {
    const migrate = this.app.taskDefinition.addContainer('migrate', {
      image: migration.image,
      essential: false,
      secrets: migration.secrets,
      readonlyRootFilesystem: true,
      logging: this.app.logDriver('migrate'),
    });
    migrate.addMountPoints({ sourceVolume: 'tmp', containerPath: '/tmp', readOnly: false });
    // Prisma takes an advisory lock, so tasks starting together apply each migration once. The
    // migrations must be backwards compatible (expand, then contract a release later): old tasks
    // keep serving on the new schema until the rolling deployment replaces them.
    this.app.container.addContainerDependencies({
      container: migrate,
      condition: ecs.ContainerDependencyCondition.SUCCESS,
    });
  }

  private addListeners(certificateArn: string | undefined): void {
    if (certificateArn) {
      this.loadBalancer.addListener('Https', {
        port: 443,
        certificates: [elbv2.ListenerCertificate.fromArn(certificateArn)],
        sslPolicy: elbv2.SslPolicy.RECOMMENDED_TLS,
        defaultTargetGroups: [this.targetGroup],
      });
      this.loadBalancer.addRedirect({ sourcePort: 80, targetPort: 443 });
      return;
    }
    this.loadBalancer.addListener('Http', { port: 80, defaultTargetGroups: [this.targetGroup] });
    Annotations.of(this).addWarningV2(
      'upload-platform:api-without-tls',
      'No apiCertificateArn in the context: the API listens on plain HTTP. Set it for any real deployment.',
    );
  }

  private addFirewall(requestsPerIpPer5Min: number): void {
    const visibility = (metricName: string) => ({
      cloudWatchMetricsEnabled: true,
      sampledRequestsEnabled: true,
      metricName,
    });
    const managed = (name: string, priority: number): wafv2.CfnWebACL.RuleProperty => ({
      name,
      priority,
      overrideAction: { none: {} },
      statement: { managedRuleGroupStatement: { vendorName: 'AWS', name } },
      visibilityConfig: visibility(name),
    });
    const acl = new wafv2.CfnWebACL(this, 'Waf', {
      scope: 'REGIONAL',
      defaultAction: { allow: {} },
      visibilityConfig: visibility('api-waf'),
      rules: [
        {
          name: 'rate-limit-per-ip',
          priority: 0,
          action: { block: { customResponse: { responseCode: 429 } } },
          statement: {
            rateBasedStatement: { limit: requestsPerIpPer5Min, aggregateKeyType: 'IP', evaluationWindowSec: 300 },
          },
          visibilityConfig: visibility('rate-limit-per-ip'),
        },
        managed('AWSManagedRulesAmazonIpReputationList', 1),
        managed('AWSManagedRulesCommonRuleSet', 2),
        managed('AWSManagedRulesKnownBadInputsRuleSet', 3),
      ],
    });
    new wafv2.CfnWebACLAssociation(this, 'WafAssociation', {
      resourceArn: this.loadBalancer.loadBalancerArn,
      webAclArn: acl.attrArn,
    });
  }
}
