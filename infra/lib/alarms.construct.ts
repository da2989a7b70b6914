import {
  Duration,
  aws_cloudwatch as cloudwatch,
  aws_cloudwatch_actions as actions,
  aws_elasticloadbalancingv2 as elbv2,
  aws_iam as iam,
  aws_kms as kms,
  aws_lambda as lambda,
  aws_sns as sns,
  aws_sns_subscriptions as subscriptions,
  aws_sqs as sqs,
} from 'aws-cdk-lib';
import { Construct } from 'constructs';

export interface AlarmsProps {
  deadLetterQueue: sqs.IQueue;
  uploadsQueue: sqs.IQueue;
  loadBalancer: elbv2.ApplicationLoadBalancer;
  forwarder: lambda.IFunction;
  email?: string;
  oldestMessageSeconds: number;
  api5xxPercent: number;
}

/**
 * Alarms that mean "a person must look": they all go to one SNS topic (subscribe e-mail, AWS
 * Chatbot for Slack, or a pager to it). The worker's DLQ monitor posts to Slack on its own.
 */
export class Alarms extends Construct {
  readonly topic: sns.Topic;
  readonly api5xxRate: cloudwatch.Alarm;

  constructor(scope: Construct, id: string, props: AlarmsProps) {
    super(scope, id);
    const key = new kms.Key(this, 'TopicKey', {
      description: 'Encrypts the alarm topic',
      enableKeyRotation: true,
    });
    // CloudWatch publishes with its service principal, which the AWS-managed SNS key would refuse.
    key.grant(new iam.ServicePrincipal('cloudwatch.amazonaws.com'), 'kms:Decrypt', 'kms:GenerateDataKey');
    this.topic = new sns.Topic(this, 'Topic', { masterKey: key, enforceSSL: true });
    if (props.email) this.topic.addSubscription(new subscriptions.EmailSubscription(props.email));

    const minute = Duration.minutes(1);
    this.alarm('DeadLetterQueueNotEmpty', {
      alarmDescription: 'Messages in the uploads DLQ: failed uploads or forwarder invocations need a person.',
      metric: props.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period: minute, statistic: 'Maximum' }),
      threshold: 0,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
    });
    this.alarm('UploadsQueueOldestMessage', {
      alarmDescription: 'The worker is not keeping up (or not consuming): the oldest upload event is waiting too long.',
      metric: props.uploadsQueue.metricApproximateAgeOfOldestMessage({ period: minute, statistic: 'Maximum' }),
      threshold: props.oldestMessageSeconds,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 3,
    });
    this.api5xxRate = this.alarm('Api5xxRate', {
      alarmDescription: `More than ${props.api5xxPercent}% of API requests answered 5xx (targets or the ALB itself).`,
      metric: this.api5xxPercent(props.loadBalancer),
      threshold: props.api5xxPercent,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 3,
      datapointsToAlarm: 2,
    });
    this.alarm('ForwarderErrors', {
      alarmDescription: 'The S3 event forwarder failed; Lambda retries, then sends the event to the DLQ.',
      metric: props.forwarder.metricErrors({ period: Duration.minutes(5), statistic: 'Sum' }),
      threshold: 0,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
    });
    this.alarm('ForwarderDestinationFailures', {
      alarmDescription: 'A failed forwarder event could not even be written to the DLQ: that upload event is lost.',
      metric: props.forwarder.metric('DestinationDeliveryFailures', { period: Duration.minutes(5), statistic: 'Sum' }),
      threshold: 0,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
    });
  }

  private alarm(id: string, props: cloudwatch.AlarmProps): cloudwatch.Alarm {
    const alarm = new cloudwatch.Alarm(this, id, {
      // No data means no traffic (or no failure), never a problem.
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      ...props,
    });
    alarm.addAlarmAction(new actions.SnsAction(this.topic));
    alarm.addOkAction(new actions.SnsAction(this.topic));
    return alarm;
  }

  /** 5xx share of requests; below 20 requests a minute the rate is noise and reads as 0. */
  private api5xxPercent(loadBalancer: elbv2.ApplicationLoadBalancer): cloudwatch.IMetric {
    const period = Duration.minutes(1);
    const { metrics } = loadBalancer;
    return new cloudwatch.MathExpression({
      label: 'API 5xx %',
      period,
      expression: 'IF(requests >= 20, 100 * (FILL(targetErrors, 0) + FILL(albErrors, 0)) / requests, 0)',
      usingMetrics: {
        requests: metrics.requestCount({ period, statistic: 'Sum' }),
        targetErrors: metrics.httpCodeTarget(elbv2.HttpCodeTarget.TARGET_5XX_COUNT, { period, statistic: 'Sum' }),
        albErrors: metrics.httpCodeElb(elbv2.HttpCodeElb.ELB_5XX_COUNT, { period, statistic: 'Sum' }),
      },
    });
  }
}
