export * from './image-inspector';
export * from './sharp-pipeline';
export * from './thumbnail.renderer';
export * from './resize.renderer';
