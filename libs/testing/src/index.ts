export * from './images';
export * from './test-env';
export * from './exif-images';
export * from './metadata-containers';
export * from './corrupt-images';
