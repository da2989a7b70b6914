// The one import of the generated client: the rest of the lib imports it from here, so its
// location (outside the source tree, written by `prisma generate`) is named once.
export * from '../../../generated/prisma/client';
