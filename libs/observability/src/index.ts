export * from './json-log';
export * from './json-logger';
export * from './metrics.listener';
