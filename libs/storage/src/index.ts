export * from './object-storage.repository';
export * from './object-url';
export * from './s3-client.factory';
export * from './scratch-directory';
export * from './url-signer';
