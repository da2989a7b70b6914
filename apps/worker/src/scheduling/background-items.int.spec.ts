import { randomUUID } from 'node:crypto';
import { Logger } from '@nestjs/common';
import type { WorkerConfig } from '@lib/config';
import type { PrismaService } from '@lib/database';
import { errors } from '@lib/errors';
import { testPrisma } from '../../../../test/support/database';
import { backgroundItems } from '../../../../test/support/worker-services';
import { WorkerMetrics } from '../observability/worker.metrics';

describe('BackgroundItems against PostgreSQL', () => {
  let prisma: PrismaService;
  const config = { background: { retryBaseSeconds: 1, maxAttempts: 2 } } as WorkerConfig;

  beforeAll(() => {
    Logger.overrideLogger(false);
    prisma = testPrisma();
  });
  afterAll(() => prisma.$disconnect());

  const row = (itemId: string) =>
    prisma.backgroundFailure.findUnique({ where: { pass_itemId: { pass: 'thumbnail', itemId } } });

  it("gives an item up after its own faults, never for a dependency's outage, and forgets it on success", async () => {
    const metrics = new WorkerMetrics();
    const items = backgroundItems(config, prisma, metrics);
    const [bad, waiting] = [randomUUID(), randomUUID()];

    expect(await items.run('thumbnail', bad, () => Promise.reject(new Error('vipspng: libpng read error')))).toEqual({
      ok: false,
      gaveUp: false,
      reason: 'vipspng: libpng read error',
    });
    expect(await row(bad)).toMatchObject({ attempts: 1, failedAt: null });
    expect((await items.run('thumbnail', bad, () => Promise.reject(new Error('again')))).ok).toBe(false);
    const failed = await row(bad);
    expect(failed).toMatchObject({ attempts: 2, lastError: 'again', failedAt: expect.any(Date) });
    // Backoff: the second retry is due later than the first was.
    expect(failed!.retryAt.getTime() - failed!.updatedAt.getTime()).toBeGreaterThanOrEqual(1900);

    for (let i = 0; i < 4; i++) {
      await items.run('thumbnail', waiting, () => Promise.reject(errors.dependencyUnavailable('S3')));
    }
    expect(await row(waiting)).toMatchObject({ attempts: 4, failedAt: null });

    expect(await items.run('thumbnail', waiting, async () => 'made')).toEqual({ ok: true, value: 'made' });
    expect(await row(waiting)).toBeNull();

    const counted = await metrics.registry.getSingleMetricAsString('worker_background_item_failures_total');
    expect(counted).toContain('worker_background_item_failures_total{pass="thumbnail"} 6');
    const gaveUp = await metrics.registry.getSingleMetricAsString('worker_background_items_given_up_total');
    expect(gaveUp).toContain('worker_background_items_given_up_total{pass="thumbnail"} 1');
  });
});
