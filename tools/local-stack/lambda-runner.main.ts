import { createSqsClient, QueueRepository } from '@lib/queue';
import { LocalLambdaRunner, S3Handler } from './lambda-runner';
import { FORWARDER_BUNDLE } from './local-env';

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is required`);
  return value;
}

// Loads the esbuild bundle, the same file that is deployed to Lambda.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { handler } = require(process.env.FORWARDER_BUNDLE ?? FORWARDER_BUNDLE) as { handler: S3Handler };
const queue = new QueueRepository(
  createSqsClient({ region: process.env.AWS_REGION ?? 'us-east-1', endpoint: process.env.AWS_ENDPOINT_URL }),
);
const runner = new LocalLambdaRunner({
  queue,
  eventsQueueUrl: required('S3_EVENTS_QUEUE_URL'),
  onFailureQueueUrl: required('UPLOADS_DLQ_URL'),
  handler,
  log: (message, fields) => console.log(JSON.stringify({ level: 'warn', msg: message, ...fields })),
});
runner.start();
console.log(JSON.stringify({ level: 'info', msg: 'lambda stand-in polling bucket notifications' }));

const stop = () => void runner.stop().then(() => process.exit(0));
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
