import type { WorkerConfig } from '@lib/config';
import { BackgroundFailureRepository, PrismaService, RenditionRepository } from '@lib/database';
import type { ObjectStorageRepository } from '@lib/storage';
import { BackgroundItems } from '../../apps/worker/src/scheduling/background-items';
import { WorkerMetrics } from '../../apps/worker/src/observability/worker.metrics';
import { RenditionService } from '../../apps/worker/src/renditions/rendition.service';

/** The worker's per-item isolation, wired to real PostgreSQL (and a metrics registry of its own). */
export function backgroundItems(config: WorkerConfig, prisma: PrismaService, metrics = new WorkerMetrics()) {
  return new BackgroundItems(config, new BackgroundFailureRepository(prisma), metrics);
}

/** A RenditionService on real parts; `renditions` lets a test wrap the repository. */
export function renditionService(
  config: WorkerConfig,
  prisma: PrismaService,
  storage: ObjectStorageRepository,
  renditions = new RenditionRepository(prisma),
): RenditionService {
  return new RenditionService(config, renditions, storage, backgroundItems(config, prisma));
}
