import { PutObjectCommand } from '@aws-sdk/client-s3';
import type { ErasureStatus } from '@lib/contracts';
import { ObjectOutcomeRepository } from '@lib/database';
import { makeJpeg, pngWithCorruptPixels, waitFor } from '@lib/testing';
import { ERASURE_CONFIRMATION } from '../../apps/api/src/erasure/erasure.dto';
import { MetricsServer } from '../../apps/worker/src/observability/metrics.server';
import { ApiClient } from '../support/api-client';
import { insertUpload, newUploadRow } from '../support/database';
import { useTestStack } from '../support/stack-fixture';

interface Failure {
  pass: string;
  itemId: string;
  attempts: number;
  lastError: string;
  failedAt: string | null;
}

/**
 * One poison item among good ones in every background pass (thumbnails, renditions, expiry and
 * reconciliation, erasure): the good ones are done, the poison one is retried with backoff,
 * counted, and marked failed where an admin sees it.
 */
describe('background passes isolate their items', () => {
  let admin: ApiClient;

  const e2e = useTestStack({
    ownDatabase: true,
    env: {
      SWEEP_INTERVAL_SECONDS: '1',
      THUMBNAIL_WAIT_SECONDS: '0',
      UPLOAD_EXPIRY_GRACE_SECONDS: '0',
      ERASURE_POLL_SECONDS: '1',
      BACKGROUND_RETRY_BASE_SECONDS: '1',
      BACKGROUND_MAX_ATTEMPTS: '2',
    },
  });
  beforeAll(async () => {
    admin = await e2e.client('isolation-admin', ['admin']);
    // Rows that make exactly one item fail, in the database itself, as a constraint would.
    await e2e.prisma.$executeRawUnsafe(`
      CREATE FUNCTION poisoned() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN RAISE EXCEPTION 'poisoned row'; END $$`);
  });

  async function failures(): Promise<Failure[]> {
    const response = await admin.request('GET', '/v1/admin/background-failures?limit=200');
    expect(response.status).toBe(200);
    return ((await response.json()) as { items: Failure[] }).items;
  }

  async function givenUp(pass: string, itemId: string): Promise<Failure> {
    return waitFor(
      async () => {
        const found = (await failures()).find((f) => f.pass === pass && f.itemId === itemId);
        return found?.failedAt ? found : undefined;
      },
      { what: `${pass} ${itemId} marked failed`, timeoutMs: 40_000 },
    );
  }

  async function metric(name: string, pass: string): Promise<number> {
    const port = e2e.stack.worker!.get(MetricsServer).port;
    const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    return Number(new RegExp(`^${name}\\{pass="${pass}"\\} (\\d+)`, 'm').exec(text)?.[1] ?? 0);
  }

  /** A READY image whose original in the bucket does not decode (it got past an older worker). */
  async function poisonedImage(): Promise<string> {
    const bytes = await pngWithCorruptPixels();
    const row = { ...newUploadRow('isolation-poison'), contentType: 'image/png', size: bytes.length };
    await insertUpload(e2e.prisma, row);
    // Where no S3 notification reaches: the real pipeline would (rightly) reject it at once.
    const bucket = e2e.stack.resources.thumbnailsBucket;
    const key = `legacy/${row.id}.png`;
    const put = await e2e.stack.s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: bytes }));
    await new ObjectOutcomeRepository(e2e.prisma).record({
      accepted: true,
      bucket,
      key,
      role: 'ORIGINAL',
      uploadId: row.id,
      userId: row.userId,
      sequencer: '0A',
      eTag: (put.ETag ?? '').replace(/"/g, ''),
      bytes: bytes.length,
      contentType: 'image/png',
      width: 400,
      height: 300,
      sha256: null,
    });
    return row.id;
  }

  it('thumbnails and renditions: the good images get theirs, the undecodable one is given up on', async () => {
    const poison = await poisonedImage();
    const alice = await e2e.client('isolation-alice');
    const good = await Promise.all([1, 2, 3].map(async () => alice.upload(await makeJpeg(900, 600), 'image/jpeg')));
    for (const session of good) {
      await waitFor(async () => (await e2e.prisma.rendition.count({ where: { uploadId: session.uploadId } })) === 3, {
        what: 'thumb, card and large of a good image',
        timeoutMs: 40_000,
      });
    }
    for (const pass of ['thumbnail', 'renditions']) {
      const failure = await givenUp(pass, poison);
      expect(failure).toMatchObject({ attempts: 2, lastError: expect.stringMatching(/libpng|png|decode/i) });
      expect(await metric('worker_background_item_failures_total', pass)).toBeGreaterThanOrEqual(2);
      expect(await metric('worker_background_items_given_up_total', pass)).toBeGreaterThanOrEqual(1);
    }
    expect(await e2e.prisma.rendition.count({ where: { uploadId: poison } })).toBe(0);

    // An admin can have it tried again: the failure is forgotten and the item claimed anew.
    const retry = await admin.request('POST', '/v1/admin/background-failures/retry', {
      pass: 'thumbnail',
      itemId: poison,
    });
    expect(await retry.json()).toEqual({ retried: true });
    expect(
      (await admin.request('POST', '/v1/admin/background-failures/retry', { pass: 'nope', itemId: poison })).status,
    ).toBe(400);
  });

  it('expiry and reconciliation: the others are settled while the failing upload is given up on', async () => {
    const bob = await e2e.client('isolation-bob');
    const jpeg = await makeJpeg(50, 50);
    const create = () => bob.createUpload({ filename: 'a', contentType: 'image/jpeg', size: jpeg.length });
    const [poison, lost, present] = [await create(), await create(), await create()];
    // Bytes S3 accepted but whose event never arrived: the sweep re-announces them.
    const key = (await e2e.prisma.upload.findUniqueOrThrow({ where: { id: present.uploadId } })).originalKey;
    await e2e.stack.s3.send(
      new PutObjectCommand({ Bucket: e2e.stack.resources.originalsBucket, Key: key, Body: jpeg }),
    );
    await e2e.prisma.$executeRawUnsafe(`
      CREATE TRIGGER poisoned_expiry BEFORE UPDATE ON uploads FOR EACH ROW
      WHEN (OLD.id = '${poison.uploadId}'::uuid) EXECUTE FUNCTION poisoned()`);
    // The poisoned one expired first, so it heads every sweep's list.
    await e2e.prisma
      .$executeRaw`UPDATE uploads SET expires_at = now() - interval '2 minutes' WHERE id = ${lost.uploadId}::uuid OR id = ${present.uploadId}::uuid`;
    await e2e.prisma.$executeRawUnsafe(`ALTER TABLE uploads DISABLE TRIGGER poisoned_expiry`);
    await e2e.prisma
      .$executeRaw`UPDATE uploads SET expires_at = now() - interval '10 minutes' WHERE id = ${poison.uploadId}::uuid`;
    await e2e.prisma.$executeRawUnsafe(`ALTER TABLE uploads ENABLE TRIGGER poisoned_expiry`);

    expect((await bob.settled(lost.uploadId, 30_000)).status).toBe('EXPIRED');
    expect((await bob.settled(present.uploadId, 30_000)).status).toBe('READY');
    expect(await givenUp('expiry', poison.uploadId)).toMatchObject({
      attempts: 2,
      lastError: expect.stringMatching(/^(internal|dependency-unavailable): /),
    });
    expect((await bob.status(poison.uploadId)).status).toBe('PENDING');
    expect(await metric('worker_background_items_given_up_total', 'expiry')).toBe(1);
  });

  it('erasure: another user is erased while a request that keeps failing is retried, then FAILED', async () => {
    const carol = await e2e.client('isolation-carol');
    const dave = await e2e.client('isolation-dave');
    await carol.createUpload({ filename: 'a', contentType: 'image/jpeg', size: 10 });
    await dave.createUpload({ filename: 'a', contentType: 'image/jpeg', size: 10 });
    await e2e.prisma.$executeRawUnsafe(`
      CREATE TRIGGER poisoned_erasure BEFORE DELETE ON uploads FOR EACH ROW
      WHEN (OLD.user_id = 'isolation-carol') EXECUTE FUNCTION poisoned()`);
    // Carol asks first, so her request heads the queue of requests.
    const confirm = { confirm: ERASURE_CONFIRMATION };
    expect((await carol.request('DELETE', '/v1/users/me', confirm)).status).toBe(202);
    expect((await dave.request('DELETE', '/v1/users/me', confirm)).status).toBe(202);
    const status = (client: ApiClient) =>
      waitFor(
        async () => {
          const body = (await (await client.request('GET', '/v1/users/me/erasure')).json()) as ErasureStatus;
          return body.state === 'COMPLETED' || body.state === 'FAILED' ? body : undefined;
        },
        { what: 'the erasure to end', timeoutMs: 40_000 },
      );
    expect((await status(dave)).state).toBe('COMPLETED');
    const failed = await status(carol);
    expect(failed).toMatchObject({
      state: 'FAILED',
      failureReason: expect.stringMatching(/^gave up after 2 attempts/),
    });
    expect(await givenUp('erasure', failed.id)).toMatchObject({ attempts: 2 });
    expect(await metric('worker_background_items_given_up_total', 'erasure')).toBe(1);
  });
});
