import { randomUUID } from 'node:crypto';
import { LOCAL_USER_KEY_SECRET } from '@lib/config';
import { erasureTargets, ErasureStatus, originalKey, userKeyFor } from '@lib/contracts';
import { makeJpeg, waitFor } from '@lib/testing';
import { ERASURE_CONFIRMATION } from '../../apps/api/src/erasure/erasure.dto';
import { ApiClient } from '../support/api-client';
import { putObjects, seedUserRows, withoutNotifications } from '../support/erasure-seed';
import { useTestStack } from '../support/stack-fixture';

const IMAGES = 2_500;

describe('right to erasure, end to end', () => {
  const user = `erase-${randomUUID().slice(0, 8)}`;
  const bystander = `keep-${randomUUID().slice(0, 8)}`;

  const e2e = useTestStack({
    // Every worker's erasure runner claims any open request it can see: with the run's shared
    // database another test file's worker (other buckets, stopped when its file ends) could
    // take this one.
    ownDatabase: true,
    env: {
      // Small pages and a pause, so the erasure of 2,500 images takes several batches and
      // is still running when the worker is restarted below.
      ERASURE_OBJECT_BATCH_SIZE: '500',
      ERASURE_ROW_BATCH_SIZE: '500',
      ERASURE_BATCH_PAUSE_MS: '250',
      ERASURE_POLL_SECONDS: '1',
    },
  });
  async function keysLeft(userId: string): Promise<string[]> {
    const left: string[] = [];
    for (const { bucket, prefix } of erasureTargets(userKeyFor(LOCAL_USER_KEY_SECRET, userId), e2e.stack.resources)) {
      left.push(...(await e2e.storage.listKeys(bucket, prefix)).keys);
    }
    return left;
  }

  async function finished(client: ApiClient): Promise<ErasureStatus> {
    return waitFor(
      async () => {
        const status = (await (await client.request('GET', '/v1/users/me/erasure')).json()) as ErasureStatus;
        return status.state === 'COMPLETED' || status.state === 'FAILED' ? status : undefined;
      },
      { what: 'the erasure to finish', timeoutMs: 60_000, intervalMs: 250 },
    );
  }

  it('erases 2,500 images across both buckets in batches, surviving a worker restart and racing uploads', async () => {
    const seeded = await seedUserRows(e2e.prisma, user, IMAGES, e2e.stack.resources);
    const kept = await seedUserRows(e2e.prisma, bystander, 5, e2e.stack.resources);
    const stray = `quarantine/originals/${userKeyFor(LOCAL_USER_KEY_SECRET, user)}/${randomUUID()}`;
    const seedStarted = Date.now();
    await withoutNotifications(
      e2e.stack.s3,
      [e2e.stack.resources.originalsBucket, e2e.stack.resources.thumbnailsBucket],
      () =>
        putObjects(e2e.stack.s3, [
          ...seeded.keys,
          ...kept.keys,
          { bucket: e2e.stack.resources.originalsBucket, key: stray },
        ]),
    );
    const erasureStarted = Date.now();

    const client = await e2e.client(user);
    const jpeg = await makeJpeg(64, 48);
    // Issued before the erasure, PUT while it runs: the object must be deleted, not stored.
    const racing = await client.createUpload({ filename: 'late.jpg', contentType: 'image/jpeg', size: jpeg.length });

    expect((await client.request('DELETE', '/v1/users/me', { confirm: 'yes' })).status).toBe(400);
    const accepted = await client.request('DELETE', '/v1/users/me', { confirm: ERASURE_CONFIRMATION });
    expect(accepted.status).toBe(202);
    const { id } = (await accepted.json()) as ErasureStatus;
    // A second click answers the same request.
    const again = await client.request('DELETE', '/v1/users/me', { confirm: ERASURE_CONFIRMATION });
    expect(((await again.json()) as ErasureStatus).id).toBe(id);

    const refused = await client.request('POST', '/v1/uploads', {
      filename: 'x.jpg',
      contentType: 'image/jpeg',
      size: jpeg.length,
    });
    expect(refused.status).toBe(403);
    expect(((await refused.json()) as { detail: string }).detail).toMatch(/being erased/);
    // A keyed request takes another path (replay lookup, then its own INSERT): refused alike.
    const keyed = await client.request(
      'POST',
      '/v1/uploads',
      { filename: 'x.jpg', contentType: 'image/jpeg', size: jpeg.length },
      { 'idempotency-key': 'after-erasure' },
    );
    expect(keyed.status).toBe(403);
    expect((await client.put(racing.original, jpeg)).status).toBe(200);

    // Restart the worker mid-way: it must resume from the checkpoint, not start over or stop.
    const midway = await waitFor(
      async () => {
        const row = await e2e.prisma.erasureRequest.findUnique({ where: { id } });
        return row && row.state === 'RUNNING' && row.objectsDeleted >= 1_000 ? row : undefined;
      },
      { what: 'the erasure to be under way', timeoutMs: 60_000, intervalMs: 50 },
    );
    await e2e.stack.stopWorker();
    const paused = (await e2e.prisma.erasureRequest.findUnique({ where: { id } }))!;
    expect(paused.state).toBe('RUNNING');
    expect(paused.objectsDeleted).toBeGreaterThanOrEqual(midway.objectsDeleted);
    expect(paused.objectsDeleted).toBeLessThan(IMAGES * 2);
    await e2e.stack.startWorker();

    const done = await finished(client);
    console.log(`seeded in ${erasureStarted - seedStarted} ms; erased in ${Date.now() - erasureStarted} ms`);
    expect(done).toMatchObject({ id, state: 'COMPLETED', failedKeys: 0, requestedBy: 'self' });
    expect(done.objectsDeleted).toBeGreaterThanOrEqual(IMAGES * 2 + 1);
    // 2,500 uploads + 2,500 images + 5,000 stored objects, plus the racing upload's row.
    expect(done.rowsDeleted).toBeGreaterThanOrEqual(IMAGES * 4);

    await waitFor(
      async () =>
        (await e2e.storage.head(
          e2e.stack.resources.originalsBucket,
          originalKey(userKeyFor(LOCAL_USER_KEY_SECRET, user), racing.uploadId),
        )) === null,
      {
        what: 'the racing upload to be removed',
        timeoutMs: 20_000,
      },
    );
    await waitFor(async () => (await keysLeft(user)).length === 0, { what: 'no keys left', timeoutMs: 20_000 });
    expect(await e2e.prisma.upload.count({ where: { userId: user } })).toBe(0);
    expect(await e2e.prisma.image.count({ where: { userId: user } })).toBe(0);
    expect(await e2e.prisma.storedObject.count({ where: { key: { contains: user } } })).toBe(0);

    // The bystander's data is untouched.
    expect(await e2e.prisma.upload.count({ where: { userId: bystander } })).toBe(5);
    expect(await keysLeft(bystander)).toHaveLength(10);

    // The proof holds counts and times, and no personal data.
    const record = (await e2e.prisma.erasureRequest.findUnique({ where: { id } }))!;
    expect(record.userId).toBeNull();
    expect(record.continuationToken).toBeNull();
    expect(JSON.stringify(record)).not.toContain(user);
    const audit = await e2e.prisma.auditEvent.findMany({ where: { target: id } });
    expect(audit.map((a) => a.action).sort()).toEqual(['erasure.completed', 'erasure.requested']);
    expect(JSON.stringify(audit)).not.toContain(user);
    expect(JSON.stringify(audit)).not.toMatch(/holiday|late\.jpg/);
  }, 150_000);

  it('deletes an object of an erased user that arrives after completion', async () => {
    const key = originalKey(userKeyFor(LOCAL_USER_KEY_SECRET, user), randomUUID());
    await e2e.storage.put(e2e.stack.resources.originalsBucket, key, await makeJpeg(32, 32), 'image/jpeg');
    await waitFor(async () => (await e2e.storage.head(e2e.stack.resources.originalsBucket, key)) === null, {
      what: 'the late object to be deleted',
      timeoutMs: 20_000,
    });
    expect(await e2e.prisma.storedObject.count({ where: { key } })).toBe(0);
  });

  it('lets admins request and follow an erasure, and nobody else', async () => {
    const target = `admin-erase-${randomUUID().slice(0, 8)}`;
    const admin = await e2e.client('erasure-admin', ['admin']);
    const someone = await e2e.client('someone');
    expect((await someone.request('POST', '/v1/admin/erasures', { userId: target })).status).toBe(403);

    const created = await admin.request('POST', '/v1/admin/erasures', { userId: target });
    expect(created.status).toBe(202);
    const { id } = (await created.json()) as ErasureStatus;
    expect((await someone.request('GET', `/v1/admin/erasures/${id}`)).status).toBe(403);
    const status = await waitFor(
      async () => {
        const body = (await (await admin.request('GET', `/v1/admin/erasures/${id}`)).json()) as ErasureStatus;
        return body.state === 'COMPLETED' ? body : undefined;
      },
      { what: 'the admin erasure to complete', timeoutMs: 30_000, intervalMs: 250 },
    );
    expect(status).toMatchObject({ requestedBy: 'erasure-admin', objectsDeleted: 0, rowsDeleted: 0 });
    expect(status.startedAt).not.toBeNull();
    expect(status.finishedAt).not.toBeNull();
    expect((await admin.request('GET', `/v1/admin/erasures/${randomUUID()}`)).status).toBe(404);
  });
});
