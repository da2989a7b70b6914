import { Duration, RemovalPolicy, aws_ec2 as ec2, aws_logs as logs, aws_rds as rds, Validations } from 'aws-cdk-lib';
import { Construct } from 'constructs';

export interface DatabaseProps {
  appName: string;
  vpc: ec2.IVpc;
  subnets: ec2.SubnetSelection;
  minAcu: number;
  maxAcu: number;
  backupRetentionDays: number;
  logRetention: logs.RetentionDays;
}

export const DATABASE_NAME = 'image_uploads';
/** docker/compose.yaml runs the same PostgreSQL major version locally (checked by its test). */
export const AURORA_POSTGRES_VERSION = rds.AuroraPostgresEngineVersion.VER_16_13;

/**
 * Aurora PostgreSQL Serverless v2: a writer and a reader in different AZs. At 0.5 ACU each it
 * idles cheaply most of the month and scales to maxAcu within seconds at month end.
 */
export class Database extends Construct {
  readonly cluster: rds.DatabaseCluster;
  /** JSON with username, password, host, port and dbname: what docker/runtime/database-url.preload.ts reads. */
  readonly secret: rds.DatabaseSecret;

  constructor(scope: Construct, id: string, props: DatabaseProps) {
    super(scope, id);
    const engine = rds.DatabaseClusterEngine.auroraPostgres({ version: AURORA_POSTGRES_VERSION });
    const clusterIdentifier = `${props.appName}-db`;
    // Created here rather than by RDS so it gets a retention period instead of "never expire".
    const postgresLog = new logs.LogGroup(this, 'PostgresLog', {
      logGroupName: `/aws/rds/cluster/${clusterIdentifier}/postgresql`,
      retention: props.logRetention,
      removalPolicy: RemovalPolicy.RETAIN,
    });

    // Made here rather than by the cluster so that it carries dbname; the attachment adds host and port.
    this.secret = new rds.DatabaseSecret(this, 'Secret', { username: 'platform', dbname: DATABASE_NAME });
    this.cluster = new rds.DatabaseCluster(this, 'Cluster', {
      engine,
      clusterIdentifier,
      defaultDatabaseName: DATABASE_NAME,
      credentials: rds.Credentials.fromSecret(this.secret),
      vpc: props.vpc,
      vpcSubnets: props.subnets,
      writer: rds.ClusterInstance.serverlessV2('Writer'),
      // Same promotion tier as the writer, so a failover lands on an instance already scaled up.
      readers: [rds.ClusterInstance.serverlessV2('Reader', { scaleWithWriter: true })],
      serverlessV2MinCapacity: props.minAcu,
      serverlessV2MaxCapacity: props.maxAcu,
      storageEncrypted: true,
      // The apps connect with sslmode=verify-full (docker/runtime/database-url.preload.ts); refuse anything less.
      parameterGroup: new rds.ParameterGroup(this, 'Parameters', { engine, parameters: { 'rds.force_ssl': '1' } }),
      // Unused by the apps today; on so a later switch to IAM tokens needs no cluster change.
      iamAuthentication: true,
      backup: { retention: Duration.days(props.backupRetentionDays), preferredWindow: '02:00-03:00' },
      preferredMaintenanceWindow: 'sun:03:30-sun:04:30',
      cloudwatchLogsExports: ['postgresql'],
      deletionProtection: true,
      removalPolicy: RemovalPolicy.SNAPSHOT,
    });
    this.cluster.node.addDependency(postgresLog);

    Validations.of(this.secret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'The apps read the password once at task start; automatic rotation would break new connections of running tasks. Rotate by hand with a forced ECS deployment (infra/README.md) until the database library re-reads the secret.',
    });
  }
}
