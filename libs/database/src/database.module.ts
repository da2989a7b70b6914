import { Global, Module } from '@nestjs/common';
import { BackgroundFailureRepository } from './background-failure.repository';
import { ImageRepository } from './image.repository';
import { ObjectOutcomeRepository } from './object-outcome.repository';
import { PrismaService } from './prisma.service';
import { RenditionRepository } from './rendition.repository';
import { UploadMaintenanceRepository } from './upload-maintenance.repository';
import { UploadRepository } from './upload.repository';
import { AuditRepository } from './audit.repository';
import { CdnInvalidationRepository } from './cdn-invalidation.repository';
import { DlqAlertStateRepository } from './dlq-alert-state.repository';
import { ErasureRepository } from './erasure.repository';

const PROVIDERS = [
  PrismaService,
  RenditionRepository,
  UploadRepository,
  ImageRepository,
  ObjectOutcomeRepository,
  UploadMaintenanceRepository,
  AuditRepository,
  ErasureRepository,
  DlqAlertStateRepository,
  CdnInvalidationRepository,
  BackgroundFailureRepository,
];

@Global()
@Module({ providers: PROVIDERS, exports: PROVIDERS })
export class DatabaseModule {}
