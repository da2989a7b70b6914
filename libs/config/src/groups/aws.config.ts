import { z } from 'zod';
import { ConfigOf, envBoolean } from '../env-values';

export const awsEnv = z.object({
  AWS_REGION: z.string().min(1).default('us-east-1'),
  AWS_ENDPOINT_URL: z.string().url().optional(),
  S3_FORCE_PATH_STYLE: envBoolean.optional(),
});

export type AwsEnv = z.output<typeof awsEnv>;

export function toAwsConfig(env: AwsEnv) {
  return {
    region: env.AWS_REGION,
    /** Set only for an emulator; real AWS resolves its own endpoints. */
    endpoint: env.AWS_ENDPOINT_URL,
    // Emulators serve buckets by path; real S3 prefers virtual-hosted style.
    forcePathStyle: env.S3_FORCE_PATH_STYLE ?? env.AWS_ENDPOINT_URL !== undefined,
  };
}

export type AwsConfig = ConfigOf<ReturnType<typeof toAwsConfig>>;
