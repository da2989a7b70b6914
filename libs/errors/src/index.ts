export * from './app-error';
export * from './error-code';
export * from './errors';
export * from './problem';
export * from './aws-error';
