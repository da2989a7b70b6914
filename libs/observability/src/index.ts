export * from './json-log';
export * from './json-logger';
