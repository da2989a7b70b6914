export * from './aws.providers';
