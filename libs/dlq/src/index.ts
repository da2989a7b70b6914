export * from './alert-policy';
export * from './alert-sink';
export * from './dead-letter.envelope';
export * from './dlq.repository';
export * from './log-alert.sink';
export * from './slack-alert.renderer';
export * from './slack-alert.sink';
