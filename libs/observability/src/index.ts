export * from './log-levels';
