import { aws_ec2 as ec2, aws_s3 as s3 } from 'aws-cdk-lib';
import { Construct } from 'constructs';

export interface NetworkProps {
  natGateways: number;
  flowLogBucket: s3.IBucket;
}

/**
 * Two AZs: public subnets hold only the ALB and the NAT gateways; tasks run in private subnets
 * and the database in isolated ones that have no route out at all.
 */
export class Network extends Construct {
  readonly vpc: ec2.Vpc;
  /** Closed by default: callers open it to exactly the security groups that use SQS. */
  readonly sqsEndpoint: ec2.InterfaceVpcEndpoint;
  readonly appSubnets: ec2.SubnetSelection = { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS };
  readonly dataSubnets: ec2.SubnetSelection = { subnetType: ec2.SubnetType.PRIVATE_ISOLATED };

  constructor(scope: Construct, id: string, props: NetworkProps) {
    super(scope, id);
    this.vpc = new ec2.Vpc(this, 'Vpc', {
      maxAzs: 2,
      natGateways: props.natGateways,
      subnetConfiguration: [
        { name: 'public', subnetType: ec2.SubnetType.PUBLIC, cidrMask: 24 },
        { name: 'app', subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS, cidrMask: 22 },
        { name: 'data', subnetType: ec2.SubnetType.PRIVATE_ISOLATED, cidrMask: 24 },
      ],
      // S3 through the gateway endpoint costs nothing per GB, unlike the NAT gateway.
      gatewayEndpoints: { S3: { service: ec2.GatewayVpcEndpointAwsService.S3 } },
      flowLogs: {
        all: {
          destination: ec2.FlowLogDestination.toS3(props.flowLogBucket, 'vpc-flow-logs/'),
          trafficType: ec2.FlowLogTrafficType.ALL,
        },
      },
    });
    // The worker long-polls SQS all day; through the endpoint that traffic never touches the NAT.
    this.sqsEndpoint = this.vpc.addInterfaceEndpoint('Sqs', {
      service: ec2.InterfaceVpcEndpointAwsService.SQS,
      subnets: this.appSubnets,
      open: false,
    });
  }
}
