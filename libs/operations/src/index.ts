export * from './dlq-operations.service';
export * from './erasure-requests.service';
export * from './operations.providers';
