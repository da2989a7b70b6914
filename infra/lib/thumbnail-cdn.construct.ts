import {
  Duration,
  aws_cloudfront as cloudfront,
  aws_cloudfront_origins as origins,
  aws_iam as iam,
  aws_s3 as s3,
  Validations,
} from 'aws-cdk-lib';
import { Construct } from 'constructs';
import type { UploadBucket } from './storage.construct';

export interface ThumbnailCdnProps {
  thumbnails: UploadBucket;
  accessLogs: s3.IBucket;
}

/**
 * CloudFront in front of the thumbnails bucket through origin access control. The API builds
 * thumbnail URLs as `${CDN_BASE_URL}/${key}`, so the origin is the bucket root; a deny statement
 * keeps CloudFront to the thumbnails prefix (quarantined objects are never served).
 */
export class ThumbnailCdn extends Construct {
  readonly distribution: cloudfront.Distribution;

  constructor(scope: Construct, id: string, props: ThumbnailCdnProps) {
    super(scope, id);
    const { bucket, prefix } = props.thumbnails;
    // The client uploads the thumbnail bytes itself; these headers stop a browser from running
    // anything that is not really an image, should one slip past the worker.
    const headers = new cloudfront.ResponseHeadersPolicy(this, 'SecurityHeaders', {
      securityHeadersBehavior: {
        contentTypeOptions: { override: true },
        contentSecurityPolicy: { contentSecurityPolicy: "default-src 'none'; sandbox", override: true },
        strictTransportSecurity: { accessControlMaxAge: Duration.days(365), includeSubdomains: true, override: true },
        referrerPolicy: { referrerPolicy: cloudfront.HeadersReferrerPolicy.NO_REFERRER, override: true },
      },
    });
    this.distribution = new cloudfront.Distribution(this, 'Distribution', {
      comment: 'Thumbnails',
      defaultBehavior: {
        origin: origins.S3BucketOrigin.withOriginAccessControl(bucket),
        viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.HTTPS_ONLY,
        allowedMethods: cloudfront.AllowedMethods.ALLOW_GET_HEAD,
        // Keys never change content (one key per upload), so long edge caching is safe.
        cachePolicy: cloudfront.CachePolicy.CACHING_OPTIMIZED,
        responseHeadersPolicy: headers,
      },
      priceClass: cloudfront.PriceClass.PRICE_CLASS_100,
      httpVersion: cloudfront.HttpVersion.HTTP2_AND_3,
      enableLogging: true,
      logBucket: props.accessLogs,
      logFilePrefix: 'cloudfront/',
    });
    bucket.addToResourcePolicy(
      new iam.PolicyStatement({
        effect: iam.Effect.DENY,
        principals: [new iam.ServicePrincipal('cloudfront.amazonaws.com')],
        actions: ['s3:GetObject'],
        notResources: [bucket.arnForObjects(`${prefix}*`)],
      }),
    );

    Validations.of(this.distribution).acknowledge(
      {
        id: 'AwsSolutions-CFR4',
        reason:
          'The distribution uses the default *.cloudfront.net certificate, whose TLS policy cannot be chosen; modern browsers negotiate TLS 1.2+ anyway. A custom domain with an ACM certificate (TLSv1.2_2021) is the follow-up.',
      },
      {
        id: 'AwsSolutions-CFR1',
        reason: 'Thumbnails are served worldwide; no geographic restriction applies to this product.',
      },
      {
        id: 'AwsSolutions-CFR2',
        reason:
          'Read-only, cached, unguessable keys (user id + upload UUID) behind HTTPS: a WAF web ACL (~$10/month) buys little here; the API has one.',
      },
    );
  }
}
