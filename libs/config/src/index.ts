export * from './app-config';
export * from './config.tokens';
export * from './database-url';
export * from './local-env';
