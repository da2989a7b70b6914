import { S3Client } from '@aws-sdk/client-s3';
import type { AwsConfig } from '@lib/config';

export function createS3Client(aws: AwsConfig): S3Client {
  return new S3Client({
    region: aws.region,
    endpoint: aws.endpoint,
    forcePathStyle: aws.forcePathStyle,
    // The SDK's default flexible checksums add headers that S3 emulators reject; S3 itself
    // still checks the checksums our presigned URLs bind.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    maxAttempts: 3,
  });
}
