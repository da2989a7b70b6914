export * from './image-inspector';
export * from './thumbnail.renderer';
