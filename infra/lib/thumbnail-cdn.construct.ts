import {
  Duration,
  aws_cloudfront as cloudfront,
  aws_cloudfront_origins as origins,
  aws_iam as iam,
  aws_s3 as s3,
  aws_secretsmanager as secretsmanager,
  Validations,
} from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { RENDITIONS_PREFIX } from '../../libs/contracts/src/object-key';
import type { UploadBucket } from './storage.construct';

/** Where CloudFront reaches the API for the render route. */
export interface RenderOriginProps {
  domainName: string;
  /** True when the API has a certificate for `domainName`; else the ALB is reached over HTTP. */
  https: boolean;
  /** Sent as X-Origin-Verify on every origin request; the API answers renders only with it. */
  originVerifySecret: secretsmanager.ISecret;
  /** The longest a render may stay cached: never more than a render URL lives. */
  maxTtl: Duration;
}

/** The header the API's render route checks (ORIGIN_VERIFY_HEADER in render.service.ts). */
export const ORIGIN_VERIFY_HEADER = 'X-Origin-Verify';

/** The only query parameters a render URL has; anything else would split the cache for nothing. */
export const RENDER_QUERY_PARAMETERS = ['w', 'h', 'fit', 'fmt', 'q', 'exp', 'sig'];

/**
 * Collapses Accept to the one value the render route would pick from it, so the cache holds at
 * most three variants per URL instead of one per browser's spelling of Accept. Mirrors
 * negotiateFormat in apps/api/src/render/render-params.ts.
 */
const NORMALISE_ACCEPT = `function handler(event) {
  var request = event.request;
  var accept = request.headers.accept ? request.headers.accept.value : '';
  var format = accept.indexOf('image/avif') >= 0 ? 'image/avif' : accept.indexOf('image/webp') >= 0 ? 'image/webp' : 'image/jpeg';
  request.headers.accept = { value: format };
  return request;
}`;

export interface ThumbnailCdnProps {
  thumbnails: UploadBucket;
  accessLogs: s3.IBucket;
}

/**
 * CloudFront in front of the thumbnails bucket through origin access control. The API builds
 * thumbnail and rendition URLs as `${CDN_BASE_URL}/${key}` of the worker's re-encoded objects
 * (`renditions/…`), so the origin is the bucket root and a deny statement keeps CloudFront to
 * that prefix: a client's own thumbnail bytes (`thumbnails/…`, the worker deletes them once
 * re-encoded) and anything else in the bucket are never served, whatever the URL.
 */
export class ThumbnailCdn extends Construct {
  readonly distribution: cloudfront.Distribution;
  private readonly headers: cloudfront.ResponseHeadersPolicy;

  constructor(scope: Construct, id: string, props: ThumbnailCdnProps) {
    super(scope, id);
    const { bucket } = props.thumbnails;
    // The client uploads the thumbnail bytes itself; these headers stop a browser from running
    // anything that is not really an image, should one slip past the worker.
    const headers = (this.headers = new cloudfront.ResponseHeadersPolicy(this, 'SecurityHeaders', {
      securityHeadersBehavior: {
        contentTypeOptions: { override: true },
        contentSecurityPolicy: { contentSecurityPolicy: "default-src 'none'; sandbox", override: true },
        strictTransportSecurity: { accessControlMaxAge: Duration.days(365), includeSubdomains: true, override: true },
        referrerPolicy: { referrerPolicy: cloudfront.HeadersReferrerPolicy.NO_REFERRER, override: true },
      },
    }));
    this.distribution = new cloudfront.Distribution(this, 'Distribution', {
      comment: 'Thumbnails',
      defaultBehavior: {
        origin: origins.S3BucketOrigin.withOriginAccessControl(bucket),
        viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.HTTPS_ONLY,
        allowedMethods: cloudfront.AllowedMethods.ALLOW_GET_HEAD,
        // One key per upload, so edge caching is safe; the worker never sets Cache-Control, so
        // an edge keeps a copy for the policy's default of one day, and deleting an image or
        // erasing its owner invalidates these paths (the worker's CDN outbox pass).
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
        // Only what the worker derived and re-encoded (the `thumb` and the pre-made sizes).
        notResources: [bucket.arnForObjects(`${RENDITIONS_PREFIX}*`)],
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
          'Read-only, cached, unguessable keys (user pseudonym + upload UUID) behind HTTPS: a WAF web ACL (~$10/month) buys little here; the API has one.',
      },
    );
  }

  /**
   * The render route as a second origin: CloudFront caches each signed URL once per format, so
   * the API renders a size only on the first request from each edge. The origin's max-age is
   * the URL's remaining life, and the policy never keeps a render longer than a URL can live;
   * deletion and erasure invalidate the image's or user's render paths.
   */
  addRenderOrigin(props: RenderOriginProps): void {
    const normaliseAccept = new cloudfront.Function(this, 'NormaliseAccept', {
      runtime: cloudfront.FunctionRuntime.JS_2_0,
      comment: 'Accept -> image/avif | image/webp | image/jpeg for the render cache key',
      code: cloudfront.FunctionCode.fromInline(NORMALISE_ACCEPT),
    });
    const cachePolicy = new cloudfront.CachePolicy(this, 'RenderCachePolicy', {
      comment: 'Render origin: path, signed query and negotiated format',
      minTtl: Duration.seconds(0),
      defaultTtl: Duration.hours(1),
      maxTtl: props.maxTtl,
      queryStringBehavior: cloudfront.CacheQueryStringBehavior.allowList(...RENDER_QUERY_PARAMETERS),
      headerBehavior: cloudfront.CacheHeaderBehavior.allowList('Accept'),
      cookieBehavior: cloudfront.CacheCookieBehavior.none(),
      // Images are already compressed.
      enableAcceptEncodingGzip: false,
      enableAcceptEncodingBrotli: false,
    });
    if (!props.https) {
      Validations.of(this.distribution).acknowledge({
        id: 'AwsSolutions-CFR5',
        reason:
          'Only without apiCertificateArn, which already warns (upload-platform:api-without-tls): the ALB then has no TLS for CloudFront to use. With a certificate the render origin is HTTPS-only, TLS 1.2.',
      });
    }
    this.distribution.addBehavior(
      '/v1/render/*',
      new origins.HttpOrigin(props.domainName, {
        protocolPolicy: props.https
          ? cloudfront.OriginProtocolPolicy.HTTPS_ONLY
          : cloudfront.OriginProtocolPolicy.HTTP_ONLY,
        originSslProtocols: [cloudfront.OriginSslPolicy.TLS_V1_2],
        // Above RENDER_TIMEOUT_MS, so the API answers (503) before CloudFront gives up.
        readTimeout: Duration.seconds(30),
        // A dynamic reference: the value is resolved at deploy time and never in a template.
        customHeaders: { [ORIGIN_VERIFY_HEADER]: props.originVerifySecret.secretValue.unsafeUnwrap() },
      }),
      {
        viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.HTTPS_ONLY,
        allowedMethods: cloudfront.AllowedMethods.ALLOW_GET_HEAD,
        cachePolicy,
        responseHeadersPolicy: this.headers,
        functionAssociations: [{ function: normaliseAccept, eventType: cloudfront.FunctionEventType.VIEWER_REQUEST }],
      },
    );
  }
}
