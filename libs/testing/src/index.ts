export * from './images';
export * from './test-env';
