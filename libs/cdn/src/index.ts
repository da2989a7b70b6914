export * from './cdn-invalidator';
export * from './cdn-paths';
export * from './cloudfront.invalidator';
