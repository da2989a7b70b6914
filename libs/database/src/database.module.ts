import { Global, Module } from '@nestjs/common';
import { ImageRepository } from './image.repository';
import { ObjectOutcomeRepository } from './object-outcome.repository';
import { PrismaService } from './prisma.service';
import { RenditionRepository } from './rendition.repository';
import { UploadMaintenanceRepository } from './upload-maintenance.repository';
import { UploadRepository } from './upload.repository';

@Global()
@Module({
  providers: [
    PrismaService,
    UploadRepository,
    ImageRepository,
    ObjectOutcomeRepository,
    UploadMaintenanceRepository,
    RenditionRepository,
  ],
  exports: [
    PrismaService,
    UploadRepository,
    ImageRepository,
    ObjectOutcomeRepository,
    UploadMaintenanceRepository,
    RenditionRepository,
  ],
})
export class DatabaseModule {}
