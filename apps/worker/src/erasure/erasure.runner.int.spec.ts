import { Logger } from '@nestjs/common';
import { LOCAL_USER_KEY_SECRET, WorkerConfig } from '@lib/config';
import { erasureSubject, erasureUserHash, userKeyFor } from '@lib/contracts';
import { AuditRepository, ErasureRepository } from '@lib/database';
import { ErasureRequests } from '@lib/operations';
import type { KeyDeleteError, KeyPage, ObjectStorageRepository } from '@lib/storage';
import { useIsolatedDatabase } from '../../../../test/support/database';
import { seedUserRows } from '../../../../test/support/erasure-seed';
import { backgroundItems } from '../../../../test/support/worker-services';
import { WorkerMetrics } from '../observability/worker.metrics';
import { ErasureAlerts } from './erasure-alerts';
import { ErasureRunner } from './erasure.runner';

const SALT = 'runner-test-salt-0123456789';
const keyOf = (userId: string) => userKeyFor(LOCAL_USER_KEY_SECRET, userId);
const SECRETS = { auditSalt: SALT, userKeySecret: LOCAL_USER_KEY_SECRET };
const BUCKETS = { originalsBucket: 'fake-orig', thumbnailsBucket: 'fake-thumb' };

/**
 * A strict in-memory S3: pages in key order with opaque tokens, at most 1,000 keys per
 * delete, and a hook that makes chosen keys fail with a per-key error, as S3 can.
 */
class FakeStorage {
  readonly objects = new Map<string, Set<string>>();
  readonly deleteCalls: number[] = [];
  failures = new Map<string, number>();

  add(bucket: string, key: string): void {
    if (!this.objects.has(bucket)) this.objects.set(bucket, new Set());
    this.objects.get(bucket)!.add(key);
  }

  keys(bucket: string, prefix = ''): string[] {
    return [...(this.objects.get(bucket) ?? [])].filter((k) => k.startsWith(prefix)).sort();
  }

  async listKeys(bucket: string, prefix: string, token?: string, maxKeys = 1000): Promise<KeyPage> {
    const after = token ? Buffer.from(token, 'base64url').toString() : '';
    const all = this.keys(bucket, prefix).filter((k) => k > after);
    const keys = all.slice(0, maxKeys);
    return all.length > maxKeys ? { keys, nextToken: Buffer.from(keys.at(-1)!).toString('base64url') } : { keys };
  }

  async deleteMany(bucket: string, keys: string[]): Promise<KeyDeleteError[]> {
    if (keys.length > 1000) throw new RangeError('more than 1000 keys');
    this.deleteCalls.push(keys.length);
    const errors: KeyDeleteError[] = [];
    for (const key of keys) {
      const left = this.failures.get(key) ?? 0;
      if (left > 0) {
        this.failures.set(key, left - 1);
        errors.push({ key, code: 'InternalError', message: 'We encountered an internal error.' });
      } else {
        this.objects.get(bucket)?.delete(key);
      }
    }
    return errors;
  }
}

function config(overrides: Partial<WorkerConfig['erasure']> = {}): WorkerConfig {
  return {
    storage: BUCKETS,
    userKeySecret: LOCAL_USER_KEY_SECRET,
    erasure: {
      auditSalt: SALT,
      objectBatchSize: 100,
      rowBatchSize: 40,
      batchPauseMs: 0,
      pollSeconds: 1,
      leaseSeconds: 60,
      maxKeyAttempts: 3,
      retryBaseMs: 1,
      ...overrides,
    },
    background: { retryBaseSeconds: 1, maxAttempts: 3 },
  } as WorkerConfig;
}

describe('ErasureRunner (real database, strict fake S3)', () => {
  let erasures: ErasureRepository;

  // The runner claims whichever request is oldest; other test files create requests too.
  const db = useIsolatedDatabase('erasure_runner');
  beforeAll(() => {
    Logger.overrideLogger(false);
    erasures = new ErasureRepository(db.prisma, new AuditRepository(db.prisma));
  });

  function runner(storage: FakeStorage, overrides: Partial<WorkerConfig['erasure']> = {}) {
    const alerts = new ErasureAlerts(new WorkerMetrics());
    const failures = jest.spyOn(alerts, 'failedRequest');
    const settings = config(overrides);
    const run = new ErasureRunner(
      settings,
      erasures,
      new ErasureRequests(settings, erasures),
      storage as unknown as ObjectStorageRepository,
      alerts,
      backgroundItems(settings, db.prisma),
    );
    return { run, alerts, failures };
  }

  async function seed(storage: FakeStorage, userId: string, count: number) {
    const seeded = await seedUserRows(db.prisma, userId, count, BUCKETS);
    for (const { bucket, key } of seeded.keys) storage.add(bucket, key);
    return seeded;
  }

  it('deletes every object and row of the user in bounded batches and forgets the clear id', async () => {
    const storage = new FakeStorage();
    const user = `runner-a-${Date.now()}`;
    const other = `runner-b-${Date.now()}`;
    await seed(storage, user, 250);
    const kept = await seed(storage, other, 3);
    // Strays the database never knew: a quarantined original and a rendition.
    storage.add(BUCKETS.originalsBucket, `quarantine/originals/${keyOf(user)}/x`);
    storage.add(BUCKETS.thumbnailsBucket, `renditions/${keyOf(user)}/y/card.webp`);
    const { record } = await erasures.request(erasureSubject(user, SECRETS), 'admin-1');

    const { run } = runner(storage);
    expect(await run.runOnce()).toBe('completed');
    expect(await run.runOnce()).toBe('idle');

    for (const bucket of Object.values(BUCKETS))
      expect(storage.keys(bucket).filter((k) => k.includes(keyOf(user)))).toEqual([]);
    expect(storage.keys(BUCKETS.originalsBucket).filter((k) => k.includes(keyOf(other)))).toHaveLength(3);
    expect(Math.max(...storage.deleteCalls)).toBeLessThanOrEqual(100);
    expect(await db.prisma.upload.count({ where: { userId: user } })).toBe(0);
    expect(await db.prisma.storedObject.count({ where: { key: { contains: keyOf(user) } } })).toBe(0);
    expect(await db.prisma.upload.count({ where: { id: { in: kept.uploadIds } } })).toBe(3);

    const done = (await erasures.findById(record.id))!;
    expect(done).toMatchObject({ state: 'COMPLETED', userId: null, continuationToken: null, objectsDeleted: 502 });
    // 250 uploads + 250 images + 500 stored objects.
    expect(done.rowsDeleted).toBe(1000);
    expect(await erasures.isErased(erasureUserHash(SALT, user))).toBe(true);
    const audit = await db.prisma.auditEvent.findMany({ where: { target: record.id } });
    expect(audit.map((a) => a.action).sort()).toEqual(['erasure.completed', 'erasure.requested']);
    expect(JSON.stringify(audit)).not.toContain(user);
    expect(JSON.stringify(audit)).not.toContain('holiday');
  });

  it('retries per-key errors, then fails with the count, and a resume finishes the job', async () => {
    const storage = new FakeStorage();
    const user = `runner-c-${Date.now()}`;
    const seeded = await seed(storage, user, 20);
    const originals = seeded.keys.filter((k) => k.bucket === BUCKETS.originalsBucket).map((k) => k.key);
    const flaky = originals[0]!;
    const stuck = originals.slice(1, 3);
    storage.failures.set(flaky, 2);
    for (const key of stuck) storage.failures.set(key, 100);
    const { record } = await erasures.request(erasureSubject(user, SECRETS), 'self');

    const { run, alerts, failures } = runner(storage);
    expect(await run.runOnce()).toBe('failed');
    const failed = (await erasures.findById(record.id))!;
    expect(failed).toMatchObject({ state: 'FAILED', failedKeys: 2 });
    expect(failed.failureReason).toContain('InternalError: 2');
    expect(failed.failureReason).not.toContain(user);
    expect(failures.mock.calls).toEqual([[expect.objectContaining({ erasureId: record.id, failedKeys: 2 })]]);
    expect((await alerts.failed.get()).values.map((v) => v.value)).toEqual([1]);
    expect(storage.keys(BUCKETS.originalsBucket, `originals/${keyOf(user)}/`)).toEqual([...stuck].sort());
    // FAILED is not picked up again by itself, and a second request reuses it.
    expect(await run.runOnce()).toBe('idle');
    expect((await erasures.request(erasureSubject(user, SECRETS), 'self')).created).toBe(false);

    storage.failures.clear();
    expect(await erasures.resume(record.id, 'cli:ops')).toBe(true);
    expect(await run.runOnce()).toBe('completed');
    expect(storage.keys(BUCKETS.originalsBucket, `originals/${keyOf(user)}/`)).toEqual([]);
    expect((await erasures.findById(record.id))!.objectsDeleted).toBe(40);
  });

  it("resumes from the checkpoint when a worker stops mid-way, and takes over a dead worker's lease", async () => {
    const storage = new FakeStorage();
    const user = `runner-d-${Date.now()}`;
    await seed(storage, user, 300);
    const { record } = await erasures.request(erasureSubject(user, SECRETS), 'self');

    // Stop the first worker after its second page.
    const first = runner(storage, { objectBatchSize: 50, batchPauseMs: 20 });
    const stopAfter = storage.deleteCalls.length + 2;
    const watcher = setInterval(() => storage.deleteCalls.length >= stopAfter && first.run.stop(), 1);
    expect(await first.run.runOnce()).toBe('stopped');
    clearInterval(watcher);
    const mid = (await erasures.findById(record.id))!;
    expect(mid.state).toBe('RUNNING');
    expect(mid.objectsDeleted).toBeGreaterThan(0);
    expect(mid.objectsDeleted).toBeLessThan(600);

    // A second worker claims it and dies without a word: the lease must run out first.
    const claimed = (await erasures.claim(60))!;
    expect(claimed.id).toBe(record.id);
    expect(await erasures.claim(60)).toBeNull();
    await db.prisma
      .$executeRaw`UPDATE erasure_requests SET claimed_at = now() - interval '2 minutes' WHERE id = ${record.id}::uuid`;

    const third = runner(storage);
    expect(await third.run.runOnce()).toBe('completed');
    // The dead worker's late writes are refused.
    expect(
      await erasures.checkpointObjects(claimed, { targetIndex: 0, continuationToken: null, objectsDeletedDelta: 5 }),
    ).toBe(false);
    const done = (await erasures.findById(record.id))!;
    expect(done).toMatchObject({ state: 'COMPLETED', objectsDeleted: 600, rowsDeleted: 1200 });
  });

  it('leaves no trace of the id: audit rows naming the user become a pseudonym, and a repeated request adds nothing', async () => {
    const storage = new FakeStorage();
    const user = `runner-e-${Date.now()}`;
    await seed(storage, user, 3);
    // The user was an admin once: the trail names them as actor, and in a detail.
    await db.prisma.auditEvent.create({
      data: { actor: user, action: 'dlq.redrive', target: 'uploads-dlq', count: 2, detail: { by: user, n: 2 } },
    });
    await db.prisma.auditEvent.create({
      data: { actor: 'admin-9', action: 'dlq.peek', target: 'uploads-dlq', count: 1, detail: { about: user } },
    });
    const { record } = await erasures.request(erasureSubject(user, SECRETS), user);
    expect(await runner(storage).run.runOnce()).toBe('completed');

    const pseudonym = `erased:${erasureUserHash(SALT, user)}`;
    const rowsNaming = async () =>
      (
        await db.prisma.$queryRaw<{ n: number }[]>`
        SELECT ((SELECT count(*) FROM audit_events WHERE actor = ${user} OR strpos(detail::text, ${user}) > 0)
          + (SELECT count(*) FROM erasure_requests WHERE user_id = ${user} OR requested_by = ${user}))::int AS n`
      )[0]!.n;
    expect(await rowsNaming()).toBe(0);
    expect(await db.prisma.auditEvent.count({ where: { actor: pseudonym } })).toBeGreaterThanOrEqual(2);
    expect((await erasures.findById(record.id))!.requestedBy).toBe(pseudonym);

    // Asked again after completion: the completed request answers, nothing is stored again.
    const before = await db.prisma.erasureRequest.count();
    const auditBefore = await db.prisma.auditEvent.count();
    for (let i = 0; i < 3; i++) {
      const again = await erasures.request(erasureSubject(user, SECRETS), 'self');
      expect(again).toMatchObject({ created: false, record: { id: record.id, state: 'COMPLETED' } });
    }
    expect(await db.prisma.erasureRequest.count()).toBe(before);
    expect(await db.prisma.auditEvent.count()).toBe(auditBefore);
    expect(await rowsNaming()).toBe(0);
    expect(await run0()).toBe('idle');

    async function run0() {
      return runner(storage).run.runOnce();
    }
  });
});
