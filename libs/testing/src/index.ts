export * from './images';
export * from './test-env';
export * from './exif-images';
