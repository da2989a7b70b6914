import { Logger } from '@nestjs/common';
import type { WorkerConfig } from '@lib/config';
import type { UploadMaintenanceRepository } from '@lib/database';
import type { QueueRepository } from '@lib/queue';
import type { ObjectStorageRepository } from '@lib/storage';
import type { RenditionService } from '../renditions/rendition.service';
import type { BackgroundItems } from './background-items';
import { MaintenanceService } from './maintenance.service';

/** Strict fakes: only what a sweep over an empty database touches; anything else throws. */
function sweepWith(visible: number | Error, sweep: Partial<WorkerConfig['sweep']> = {}) {
  const asked: { thumbnailsMinAge?: number; renditionsMinAge?: number } = {};
  const config = {
    thumbnails: { waitSeconds: 60, maxSide: 256 },
    sweep: { intervalSeconds: 15, expiryGraceSeconds: 60, yieldBacklog: 10, maxDeferSeconds: 600, ...sweep },
    queue: { uploadsQueueUrl: 'uploads', deadLetterQueueUrl: 'dlq' },
  } as WorkerConfig;
  const maintenance = {
    claimThumbnailWork: async (_wait: number, _limit: number, minAge?: number) => {
      asked.thumbnailsMinAge = minAge;
      return [];
    },
    findOverduePending: async () => [],
    findEndedMultipartSessions: async () => [],
  } as unknown as UploadMaintenanceRepository;
  const queue = {
    depth: async () => {
      if (visible instanceof Error) throw visible;
      return { visible, inFlight: 0, delayed: 0 };
    },
  } as unknown as QueueRepository;
  const renditions = {
    makeMissing: async (minAge?: number) => {
      asked.renditionsMinAge = minAge;
      return 0;
    },
  } as unknown as RenditionService;
  const service = new MaintenanceService(
    config,
    maintenance,
    {} as ObjectStorageRepository,
    queue,
    renditions,
    {} as BackgroundItems,
  );
  return { run: () => service.sweep().then(() => asked) };
}

describe('MaintenanceService: thumbnails and renditions yield to a backlog', () => {
  beforeAll(() => Logger.overrideLogger(false));

  it('makes them for every READY image while the queue is short', async () => {
    expect(await sweepWith(9).run()).toEqual({ thumbnailsMinAge: 0, renditionsMinAge: 0 });
  });

  it('makes them only for images READY for maxDeferSeconds while the backlog is at the threshold', async () => {
    expect(await sweepWith(10).run()).toEqual({ thumbnailsMinAge: 600, renditionsMinAge: 600 });
  });

  it('never yields when the threshold is 0, nor when the backlog cannot be read', async () => {
    expect(await sweepWith(5000, { yieldBacklog: 0 }).run()).toEqual({ thumbnailsMinAge: 0, renditionsMinAge: 0 });
    expect(await sweepWith(new Error('SQS down')).run()).toEqual({ thumbnailsMinAge: 0, renditionsMinAge: 0 });
  });
});
