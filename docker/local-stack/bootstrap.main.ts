// docker/compose.yaml's one-shot `bootstrap` service: creates the buckets and queues in the
// emulator, exactly as `npm start` does, and checks that the queue URLs compose hands to the
// other services are the ones the emulator really gave out.
import { createSqsClient } from '@lib/queue';
import { createS3Client } from '@lib/storage';
import { bootstrapResources, localBootstrapOptions, StackResources } from '../../tools/local-stack/bootstrap';
import { localEnv } from '../../tools/local-stack/local-env';

/** Which compose variable must hold which created queue. */
export const QUEUE_URL_VARIABLES: Record<string, keyof StackResources> = {
  UPLOADS_QUEUE_URL: 'uploadsQueueUrl',
  UPLOADS_DLQ_URL: 'deadLetterQueueUrl',
  S3_EVENTS_QUEUE_URL: 'eventsQueueUrl',
};

export function mismatchedQueueUrls(env: NodeJS.ProcessEnv, resources: StackResources): string[] {
  return Object.entries(QUEUE_URL_VARIABLES)
    .filter(([variable, resource]) => env[variable] !== resources[resource])
    .map(
      ([variable, resource]) =>
        `${variable}=${env[variable] ?? '(unset)'} but the emulator made ${resources[resource]}`,
    );
}

async function main(): Promise<void> {
  const env = localEnv(process.env);
  const aws = { region: env.AWS_REGION!, endpoint: env.AWS_ENDPOINT_URL, forcePathStyle: true };
  const resources = await bootstrapResources(
    localBootstrapOptions(env, { s3: createS3Client(aws), sqs: createSqsClient(aws) }),
  );
  const mismatches = mismatchedQueueUrls(process.env, resources);
  if (mismatches.length > 0) throw new Error(`compose.yaml is out of date:\n  ${mismatches.join('\n  ')}`);
  console.log(JSON.stringify({ level: 'info', msg: 'local resources ready', ...resources }));
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
