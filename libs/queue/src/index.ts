export * from './queue.repository';
export * from './sqs-client.factory';
