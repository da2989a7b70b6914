export * from './object-key';
export * from './object-scope';
export * from './upload-event.message';
export * from './upload.contract';
export * from './s3-event.mapping';
export * from './erasure.contract';
export * from './user-key';
export * from './multipart.contract';
