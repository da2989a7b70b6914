import { execFileSync } from 'node:child_process';
import type { Node } from 'constructs';
import { z } from 'zod';
import { consumerEnv } from '../../libs/config/src/groups/consumer.config';

const int = (min: number, max: number, fallback: number) => z.coerce.number().int().min(min).max(max).default(fallback);

// `-c key=a,b` arrives as a string, cdk.json may hold a real array.
const list = z
  .union([z.array(z.string()), z.string().transform((value) => value.split(','))])
  .transform((items) => items.map((item) => item.trim()).filter((item) => item.length > 0));

const optionalText = z
  .string()
  .optional()
  .transform((value) => (value?.trim() ? value.trim() : undefined));

const workerDefaults = consumerEnv.parse({});

/** The commit checked out, which is the tag CI gives the images it builds from it. */
function headCommit(): string {
  try {
    return execFileSync('git', ['rev-parse', 'HEAD'], { cwd: __dirname, encoding: 'utf8', stdio: 'pipe' }).trim();
  } catch {
    return 'unknown-commit';
  }
}

/**
 * Every deploy-time choice, read from CDK context (`-c key=value` or cdk.json). The defaults
 * synthesize a complete, deployable shape without an AWS account; the README's table lists them.
 */
export const settingsSchema = z.object({
  appName: z
    .string()
    .regex(/^[a-z][a-z0-9-]{2,28}$/)
    .default('upload-platform'),
  /**
   * The stacks name their region (ALB access logging needs it) but no account: `cdk deploy` uses the
   * account of the active AWS profile, and synthesis needs none.
   */
  region: z
    .string()
    .regex(/^[a-z]{2}(-[a-z]+)+-\d$/)
    .default('us-east-1'),
  /**
   * Tag of the api, worker and migrate images in ECR (CI pushes the git sha). The repositories are
   * IMMUTABLE, so `latest` would name the first image pushed under it forever: it is refused.
   */
  imageTag: z
    .string()
    .regex(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/, 'is not a valid image tag')
    .refine((tag) => tag !== 'latest', 'must not be `latest` on an IMMUTABLE repository: use the git sha CI pushes')
    .default(headCommit),
  webOrigins: list.default('https://app.example.com'),
  /** ACM certificate for the API's HTTPS listener; without it the ALB serves plain HTTP. */
  apiCertificateArn: optionalText,
  /** The DNS name clients use for the API (a CNAME/alias to the ALB you create). */
  apiDomainName: optionalText,
  authJwksUrl: z.string().url().default('https://auth.example.com/.well-known/jwks.json'),
  authIssuer: z.string().min(1).default('image-upload-platform'),
  authAudience: z.string().min(1).default('image-upload-api'),
  alarmEmail: optionalText,
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace']).default('info'),
  logRetentionDays: int(1, 3653, 30),
  /** Share of the API's fast successful requests that get a log line (health checks included). */
  logSuccessSampleRate: z.coerce.number().min(0).max(1).default(0.1),
  logSlowRequestMs: int(0, 600_000, 1000),

  natGateways: int(1, 2, 2),

  dlqMaxReceiveCount: int(1, 1000, 5),
  uploadsQueueRetentionDays: int(1, 14, 4),
  workerVisibilityTimeoutSeconds: int(5, 43200, workerDefaults.WORKER_VISIBILITY_TIMEOUT_SECONDS),
  workerShutdownGraceSeconds: int(1, 110, workerDefaults.WORKER_SHUTDOWN_GRACE_SECONDS),
  workerPollers: int(1, 8, workerDefaults.WORKER_POLLERS),
  rejectedObjectAction: z.enum(['delete', 'quarantine']).default('quarantine'),
  quarantineRetentionDays: int(1, 365, 30),
  accessLogRetentionDays: int(1, 3653, 90),

  forwarderReservedConcurrency: int(1, 1000, 20),
  forwarderMaxEventAgeHours: int(1, 6, 6),

  dbMinAcu: z.coerce.number().min(0.5).max(256).default(0.5),
  dbMaxAcu: z.coerce.number().min(1).max(256).default(8),
  dbBackupRetentionDays: int(1, 35, 14),

  apiCpu: int(256, 16384, 512),
  apiMemoryMiB: int(512, 122880, 1024),
  apiMinTasks: int(1, 100, 2),
  apiMaxTasks: int(1, 200, 10),
  apiMonthEndMinTasks: int(1, 200, 4),
  workerCpu: int(256, 16384, 1024),
  workerMemoryMiB: int(512, 122880, 2048),
  workerMinTasks: int(1, 100, 1),
  workerMaxTasks: int(1, 200, 10),
  workerMonthEndMinTasks: int(1, 200, 3),
  /** Messages waiting per running worker task that the backlog policy aims for. */
  workerBacklogPerTask: int(1, 100000, 100),
  cpuTargetPercent: int(10, 90, 60),

  /** Day of month on which the month-end minimum starts, and the day after month end it stops. */
  monthEndStartDay: int(15, 28, 25),
  monthEndStopDay: int(1, 14, 2),
  scheduleTimeZone: z.string().min(1).default('UTC'),

  wafRequestsPerIpPer5Min: int(100, 2_000_000_000, 1000),
  oldestMessageAlarmSeconds: int(60, 86400, 600),
  api5xxAlarmPercent: z.coerce.number().min(0.1).max(100).default(5),
});

export type PlatformSettings = z.infer<typeof settingsSchema>;

export function readSettings(node: Node): PlatformSettings {
  const raw = Object.fromEntries(Object.keys(settingsSchema.shape).map((key) => [key, node.tryGetContext(key)]));
  const result = settingsSchema.safeParse(raw);
  if (!result.success) {
    const issues = result.error.issues.map((issue) => `  - ${issue.path.join('.')}: ${issue.message}`).join('\n');
    throw new Error(`Invalid CDK context:\n${issues}`);
  }
  const settings = result.data;
  for (const service of ['api', 'worker'] as const) {
    const min = settings[`${service}MinTasks`];
    const monthEnd = settings[`${service}MonthEndMinTasks`];
    const max = settings[`${service}MaxTasks`];
    if (min > max || monthEnd > max) {
      throw new Error(
        `Invalid CDK context: ${service}MinTasks and ${service}MonthEndMinTasks must not exceed ${service}MaxTasks`,
      );
    }
  }
  return settings;
}

/** Context keys that a real deployment must set; left at their example defaults they synthesize, with a warning. */
export const REQUIRED_FOR_PRODUCTION = [
  'region',
  'imageTag',
  'webOrigins',
  'authJwksUrl',
  'apiCertificateArn',
] as const;
