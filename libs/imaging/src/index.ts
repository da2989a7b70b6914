export * from './image-inspector';
