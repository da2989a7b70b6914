export * from './image-inspector';
export * from './thumbnail.renderer';
export * from './resize.renderer';
