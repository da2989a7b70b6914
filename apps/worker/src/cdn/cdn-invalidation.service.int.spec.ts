import { randomUUID } from 'node:crypto';
import { CdnInvalidator, RecordingCdnInvalidator } from '@lib/cdn';
import { loadWorkerConfig, WorkerConfig } from '@lib/config';
import { CdnInvalidationRepository, invalidationRows } from '@lib/database';
import { errors } from '@lib/errors';
import { useIsolatedDatabase } from '../../../../test/support/database';
import { WorkerMetrics } from '../observability/worker.metrics';
import { CdnInvalidationService } from './cdn-invalidation.service';

/** Fails its first `failures` calls the way CloudFront does when throttling, then records. */
class FlakyInvalidator extends RecordingCdnInvalidator {
  constructor(public failures: number) {
    super();
  }
  override async invalidate(paths: string[], reference: string): Promise<string> {
    if (this.failures-- > 0) throw errors.dependencyUnavailable('CloudFront');
    return super.invalidate(paths, reference);
  }
}

describe('CdnInvalidationService (real database, recording CDN)', () => {
  const db = useIsolatedDatabase('cdn_invalidation');
  let config: WorkerConfig;

  beforeAll(() => {
    config = loadWorkerConfig({
      UPLOADS_QUEUE_URL: 'http://q/uploads',
      UPLOADS_DLQ_URL: 'http://q/dlq',
      CDN_INVALIDATION_MAX_PATHS: '4',
      CDN_INVALIDATION_INTERVAL_SECONDS: '1',
    });
  });

  function service(invalidator: CdnInvalidator): CdnInvalidationService {
    return new CdnInvalidationService(
      config,
      new CdnInvalidationRepository(db.prisma),
      invalidator,
      new WorkerMetrics(),
    );
  }

  it('sends batches of at most CDN_INVALIDATION_MAX_PATHS, no path twice in one, and marks them done', async () => {
    const paths = Array.from({ length: 10 }, (_, i) => `/thumbnails/k/${i}`);
    await db.prisma.cdnInvalidation.createMany({ data: invalidationRows([...paths, paths[0]!]) });
    const recorder = new RecordingCdnInvalidator();
    expect(await service(recorder).drain()).toEqual({ invalidated: 11, failed: 0 });
    // 11 rows in batches of 4; a path repeated within one batch is sent once.
    expect(recorder.calls).toHaveLength(3);
    for (const call of recorder.calls) expect(new Set(call.paths).size).toBe(call.paths.length);
    expect(Math.max(...recorder.calls.map((call) => call.paths.length))).toBeLessThanOrEqual(4);
    expect(new Set(recorder.calls.flatMap((call) => call.paths))).toEqual(new Set(paths));
    expect(await db.prisma.cdnInvalidation.count({ where: { invalidatedAt: null } })).toBe(0);
  });

  it('keeps a failed batch with its reason, retries it after a backoff, and stamps the erasure when done', async () => {
    const erasureId = randomUUID();
    await db.prisma.erasureRequest.create({
      data: { id: erasureId, userIdHash: `h-${erasureId}`, requestedBy: 'self', state: 'COMPLETED' },
    });
    await db.prisma.cdnInvalidation.createMany({
      data: invalidationRows(['/renditions/k/*', '/v1/render/k.*'], erasureId),
    });
    const flaky = new FlakyInvalidator(1);
    const pass = service(flaky);

    expect(await pass.drain()).toEqual({ invalidated: 0, failed: 2 });
    const failed = await db.prisma.cdnInvalidation.findMany({ where: { erasureId } });
    expect(failed.map((row) => [row.attempts, row.lastError, row.invalidatedAt])).toEqual([
      [1, 'dependency-unavailable', null],
      [1, 'dependency-unavailable', null],
    ]);
    expect(
      (await db.prisma.erasureRequest.findUniqueOrThrow({ where: { id: erasureId } })).cdnInvalidatedAt,
    ).toBeNull();
    // Not due yet: the next pass leaves it alone.
    expect(await pass.drain()).toEqual({ invalidated: 0, failed: 0 });

    await db.prisma.cdnInvalidation.updateMany({ where: { erasureId }, data: { nextAttemptAt: new Date(0) } });
    expect(await pass.drain()).toEqual({ invalidated: 2, failed: 0 });
    expect(flaky.calls).toHaveLength(1);
    expect(
      (await db.prisma.erasureRequest.findUniqueOrThrow({ where: { id: erasureId } })).cdnInvalidatedAt,
    ).not.toBeNull();
  });
});
