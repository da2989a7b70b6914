import { Duration, RemovalPolicy, Stack, aws_iam as iam, aws_s3 as s3 } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { ORIGINALS_PREFIX, QUARANTINE_PREFIX, THUMBNAILS_PREFIX } from '../../libs/contracts/src/object-key';

export interface StorageProps {
  webOrigins: string[];
  quarantineRetentionDays: number;
  accessLogRetentionDays: number;
}

/** An upload bucket and the key prefix the API signs PUTs for in it. */
export interface UploadBucket {
  bucket: s3.Bucket;
  prefix: string;
}

/**
 * The browser sends its S3 requests straight to S3 with exactly the headers the API signed, and
 * reads the ETag back (of an object, or of each part): PUT for objects and parts, POST to complete
 * a multipart upload, GET to list its parts, DELETE to abort it.
 * tools/local-stack/bootstrap.ts `corsRules` applies the same rule to the emulator.
 */
export function uploadCorsRule(webOrigins: string[]): s3.CorsRule {
  return {
    allowedMethods: [s3.HttpMethods.PUT, s3.HttpMethods.POST, s3.HttpMethods.GET, s3.HttpMethods.DELETE],
    allowedOrigins: webOrigins,
    allowedHeaders: ['content-type', 'if-none-match', 'x-amz-checksum-sha256', 'x-amz-mp-object-size'],
    exposedHeaders: ['ETag'],
    maxAge: 3000,
  };
}

/**
 * Originals and thumbnails buckets, plus the bucket every access log of the stack lands in.
 *
 * Versioning stays off (see infra/README.md): each key is written once per upload, and
 * DELETE /v1/images must really erase the bytes, which noncurrent versions would keep.
 */
export class Storage extends Construct {
  readonly accessLogs: s3.Bucket;
  readonly originals: UploadBucket;
  readonly thumbnails: UploadBucket;

  constructor(scope: Construct, id: string, props: StorageProps) {
    super(scope, id);
    this.accessLogs = new s3.Bucket(this, 'AccessLogs', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      // ALB access logs can only be delivered to SSE-S3 buckets.
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      // CloudFront standard logs are written with an ACL; every other log source uses the policy.
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_PREFERRED,
      lifecycleRules: [{ id: 'expire-logs', expiration: Duration.days(props.accessLogRetentionDays) }],
      removalPolicy: RemovalPolicy.RETAIN,
    });

    // Rejected objects of both kinds are quarantined in the originals bucket, which nothing
    // public reads (quarantineLocation); its lifecycle rule is what expires them.
    this.originals = {
      bucket: this.uploadBucket('Originals', props, [
        {
          id: 'expire-quarantine',
          prefix: QUARANTINE_PREFIX,
          expiration: Duration.days(props.quarantineRetentionDays),
        },
      ]),
      prefix: ORIGINALS_PREFIX,
    };
    this.thumbnails = { bucket: this.uploadBucket('Thumbnails', props), prefix: THUMBNAILS_PREFIX };
  }

  get uploadBuckets(): UploadBucket[] {
    return [this.originals, this.thumbnails];
  }

  private uploadBucket(id: string, props: StorageProps, rules: s3.LifecycleRule[] = []): s3.Bucket {
    return new s3.Bucket(this, id, {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      // SSE-S3: presigned PUTs then need no KMS permission, and the data key costs nothing.
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      versioned: false,
      cors: [uploadCorsRule(props.webOrigins)],
      serverAccessLogsBucket: this.accessLogs,
      serverAccessLogsPrefix: `s3/${id.toLowerCase()}/`,
      lifecycleRules: [
        { id: 'abort-incomplete-multipart-uploads', abortIncompleteMultipartUploadAfter: Duration.days(1) },
        ...rules,
      ],
      removalPolicy: RemovalPolicy.RETAIN,
    });
  }
}

/** ARNs of the objects under `prefix` in each bucket. */
export function objectArns(buckets: UploadBucket[], prefix?: string): string[] {
  return buckets.map(({ bucket, prefix: own }) => bucket.arnForObjects(`${prefix ?? own}*`));
}

/**
 * s3:ListBucket is what makes S3 answer 404 instead of 403 for a missing key; the worker treats
 * "object gone" as a permanent outcome and anything else as transient, so it needs the 404.
 */
export function listBucketStatement(buckets: UploadBucket[]): iam.PolicyStatement {
  return new iam.PolicyStatement({
    actions: ['s3:ListBucket'],
    resources: buckets.map(({ bucket }) => bucket.bucketArn),
  });
}

/** cdk-nag's id for the IAM5 finding "wildcard under `prefix` of `bucket`", to acknowledge exactly that one. */
export function objectWildcardFinding(bucket: s3.Bucket, prefix: string): string {
  const logicalId = Stack.of(bucket).getLogicalId(bucket.node.defaultChild as s3.CfnBucket);
  return `AwsSolutions-IAM5[Resource::<${logicalId}.Arn>/${prefix}*]`;
}
