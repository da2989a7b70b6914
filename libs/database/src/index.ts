export * from './database.module';
export * from './image.repository';
export * from './object-outcome.repository';
export * from './prisma-error';
export * from './prisma.service';
export * from './upload-maintenance.repository';
export * from './upload.repository';
export * from './rendition.repository';
