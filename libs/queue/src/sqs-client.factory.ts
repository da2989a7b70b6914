import { SQSClient } from '@aws-sdk/client-sqs';

export interface SqsClientOptions {
  region: string;
  endpoint?: string;
}

export function createSqsClient(options: SqsClientOptions): SQSClient {
  return new SQSClient({ region: options.region, endpoint: options.endpoint, maxAttempts: 3 });
}
