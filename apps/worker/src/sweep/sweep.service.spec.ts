import { Logger } from '@nestjs/common';
import type { WorkerConfig } from '@lib/config';
import type { UploadMaintenanceRepository } from '@lib/database';
import type { QueueRepository } from '@lib/queue';
import type { ObjectStorageRepository } from '@lib/storage';
import { ExpiryJob } from '../expiry/expiry.job';
import { MultipartCloseJob } from '../multipart/multipart-close.job';
import { ReconciliationService } from '../reconciliation/reconciliation.service';
import type { RenditionService } from '../renditions/rendition.service';
import type { BackgroundItems } from '../scheduling/background-items';
import { ThumbnailJob } from '../thumbnails/thumbnail.job';
import { SweepService } from './sweep.service';

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
  const [storage, items] = [{} as ObjectStorageRepository, {} as BackgroundItems];
  const service = new SweepService(
    config,
    queue,
    new ThumbnailJob(config, maintenance, renditions, items),
    renditions,
    new ExpiryJob(config, maintenance, storage, new ReconciliationService(config, storage, queue), items),
    new MultipartCloseJob(config, maintenance, storage, items),
  );
  return { run: () => service.sweep().then(() => asked) };
}

describe('SweepService: thumbnails and renditions yield to a backlog', () => {
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
