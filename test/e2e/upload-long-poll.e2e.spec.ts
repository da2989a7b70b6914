import type { AddressInfo } from 'node:net';
import { Client } from 'pg';
import { loadApiConfig } from '@lib/config';
import { UPLOAD_STATUS_LISTENER_NAME, UploadStatusListener } from '@lib/database';
import { makeJpeg, waitFor } from '@lib/testing';
import { createApiApp } from '../../apps/api/src/app.factory';
import { ApiMetrics } from '../../apps/api/src/observability/api.metrics';
import { ApiClient, UploadStatusBody } from '../support/api-client';
import { devToken, startTestStack, TestStack } from '../support/test-stack';

interface HeldRequest {
  /** Set once the response came; a test reads it to know what happened before what. */
  answered: boolean;
  response: Promise<{ status: number; headers: Headers; body: UploadStatusBody }>;
  abort(): void;
}

/**
 * GET /v1/uploads/:id?wait=N over real HTTP, with the worker's verdicts stored in PostgreSQL and
 * announced through LISTEN/NOTIFY. The worker is started only once a request is held, so an
 * answer of READY or REJECTED can only come from the wake-up (a wait that runs out answers
 * with what it read before waiting: PENDING).
 */
describe('status long-poll (GET /v1/uploads/:id?wait=N)', () => {
  let stack: TestStack;
  let alice: ApiClient;
  let bob: ApiClient;
  let database: Client;

  beforeAll(async () => {
    // A database of its own: the test ends this API's LISTEN session, and must find only its own.
    stack = await startTestStack({ worker: false, ownDatabase: true, env: { UPLOAD_WAITERS_PER_USER: '2' } });
    alice = new ApiClient(stack.apiUrl, await devToken(stack.apiUrl, 'poll-alice'));
    bob = new ApiClient(stack.apiUrl, await devToken(stack.apiUrl, 'poll-bob'));
    database = new Client({ connectionString: stack.env.DATABASE_URL });
    await database.connect();
  });
  afterAll(async () => {
    await database?.end();
    await stack?.stop();
  });
  afterEach(() => stack.stopWorker());

  function hold(client: ApiClient, uploadId: string, wait: number | string, baseUrl = client.baseUrl): HeldRequest {
    const controller = new AbortController();
    const held: HeldRequest = {
      answered: false,
      abort: () => controller.abort(),
      response: fetch(`${baseUrl}/v1/uploads/${uploadId}?wait=${wait}`, {
        headers: { authorization: `Bearer ${client.token}` },
        signal: controller.signal,
      }).then(async (response) => {
        held.answered = true;
        return {
          status: response.status,
          headers: response.headers,
          body: (await response.json()) as UploadStatusBody,
        };
      }),
    };
    held.response.catch(() => undefined);
    return held;
  }

  /** The API's own count of held requests, from its metrics listener. */
  async function waiters(metricsUrl = stack.apiMetricsUrl): Promise<number> {
    const text = await (await fetch(metricsUrl)).text();
    return Number(/^upload_status_waiters (\d+)/m.exec(text)?.[1] ?? NaN);
  }

  const heldCount = (count: number, metricsUrl?: string) =>
    waitFor(async () => (await waiters(metricsUrl)) === count, { what: `${count} held status requests` });

  async function putBytes(bytes: Buffer, contentType: string): Promise<string> {
    const session = await alice.createUpload({ filename: 'poll', contentType, size: bytes.length });
    expect((await alice.put(session.original, bytes)).status).toBe(200);
    return session.uploadId;
  }

  it('answers READY, with the image, once the worker has stored its verdict', async () => {
    const jpeg = await makeJpeg(640, 480);
    const uploadId = await putBytes(jpeg, 'image/jpeg');
    const held = hold(alice, uploadId, 20);
    await heldCount(1);
    expect(held.answered).toBe(false);

    await stack.startWorker();
    const { status, body } = await held.response;

    expect(status).toBe(200);
    expect(body).toMatchObject({ uploadId, status: 'READY', image: { width: 640, height: 480, bytes: jpeg.length } });
    expect(await waiters()).toBe(0);
  });

  it('answers REJECTED with the reason for a text file declared as a JPEG, also after its LISTEN session was lost', async () => {
    const uploadId = await putBytes(Buffer.from('plain text, not a JPEG\n'.repeat(40)), 'image/jpeg');
    const held = hold(alice, uploadId, 20);
    await heldCount(1);
    // The session is ended under the held request, as a database failover would; the waiter reads
    // again, listens again, and still learns of the verdict stored after that.
    const ended = await database.query(
      'SELECT pg_terminate_backend(pid) AS ended FROM pg_stat_activity WHERE application_name = $1 AND datname = current_database()',
      [UPLOAD_STATUS_LISTENER_NAME],
    );
    expect(ended.rows).toEqual([{ ended: true }]);
    await waitFor(
      async () =>
        (
          await database.query(
            'SELECT 1 FROM pg_stat_activity WHERE application_name = $1 AND datname = current_database()',
            [UPLOAD_STATUS_LISTENER_NAME],
          )
        ).rowCount === 1,
      { what: 'the API to listen again' },
    );
    expect(held.answered).toBe(false);

    await stack.startWorker();
    const { status, body } = await held.response;

    expect(status).toBe(200);
    expect(body).toMatchObject({ uploadId, status: 'REJECTED', rejection: { code: 'not-an-image' } });
  });

  it('answers PENDING when the wait runs out before the bytes arrive', async () => {
    const session = await alice.createUpload({ filename: 'later.jpg', contentType: 'image/jpeg', size: 1000 });
    const { status, body } = await hold(alice, session.uploadId, 1).response;
    expect(status).toBe(200);
    expect(body).toEqual({ uploadId: session.uploadId, status: 'PENDING' });
    expect(await waiters()).toBe(0);
  });

  it("answers 404 for another user's upload, held or not, as for a missing one", async () => {
    const session = await alice.createUpload({ filename: 'mine.jpg', contentType: 'image/jpeg', size: 1000 });
    for (const wait of [0, 5]) {
      const { status, body } = await hold(bob, session.uploadId, wait).response;
      expect(status).toBe(404);
      expect(body).toMatchObject({ status: 404 });
    }
    expect((await hold(bob, '00000000-0000-4000-8000-000000000000', 5).response).status).toBe(404);
  });

  it.each(['abc', '1.5', '1e1', '-1', '21', '99999999999999999999', '', '0x10'])(
    'refuses wait=%p with a problem naming `wait`',
    async (wait) => {
      const session = await alice.createUpload({ filename: 'bad.jpg', contentType: 'image/jpeg', size: 1000 });
      const response = await alice.request('GET', `/v1/uploads/${session.uploadId}?wait=${encodeURIComponent(wait)}`);
      expect(response.status).toBe(400);
      expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      const problem = (await response.json()) as { errors: { field: string }[] };
      expect(problem.errors.map((e) => e.field)).toEqual(['wait']);
    },
  );

  it('refuses a wait=1&wait=2 pair, and answers wait=0 at once', async () => {
    const session = await alice.createUpload({ filename: 'twice.jpg', contentType: 'image/jpeg', size: 1000 });
    expect((await alice.request('GET', `/v1/uploads/${session.uploadId}?wait=1&wait=2`)).status).toBe(400);
    expect(await (await alice.request('GET', `/v1/uploads/${session.uploadId}?wait=0`)).json()).toEqual({
      uploadId: session.uploadId,
      status: 'PENDING',
    });
  });

  it("caps one user's held requests (429 + Retry-After) and frees a slot when its client goes away", async () => {
    const session = await alice.createUpload({ filename: 'capped.jpg', contentType: 'image/jpeg', size: 1000 });
    const first = hold(alice, session.uploadId, 20);
    const second = hold(alice, session.uploadId, 20);
    await heldCount(2);

    const third = await hold(alice, session.uploadId, 20).response;
    expect(third.status).toBe(429);
    expect(third.headers.get('retry-after')).toBe('1');
    // Another user is not affected by alice's share.
    const theirs = await bob.createUpload({ filename: 'free.jpg', contentType: 'image/jpeg', size: 1000 });
    expect((await hold(bob, theirs.uploadId, 1).response).body.status).toBe('PENDING');

    // Clients that hang up leave nothing behind: the slots come back without waiting out the 20 s.
    first.abort();
    second.abort();
    await heldCount(0);
    const again = hold(alice, session.uploadId, 1);
    expect((await again.response).body.status).toBe('PENDING');
  });

  it('answers held requests at once, with the status they read, when the API shuts down', async () => {
    // A second API process on the same database, so closing it leaves the suite's API running.
    const other = await createApiApp(loadApiConfig({ ...stack.env, API_METRICS_PORT: '0' }));
    await other.listen({ host: '127.0.0.1', port: 0 });
    const otherUrl = `http://127.0.0.1:${(other.getHttpServer().address() as AddressInfo).port}`;
    const session = await alice.createUpload({ filename: 'shutdown.jpg', contentType: 'image/jpeg', size: 1000 });
    const held = hold(alice, session.uploadId, 20, otherUrl);
    const wakes = other.get(ApiMetrics).statusWakes;
    await waitFor(async () => other.get(UploadStatusListener).watched === 1, { what: 'the request to be held' });

    const closed = other.close();
    const { status, body } = await held.response;
    await closed;

    expect(status).toBe(200);
    expect(body).toEqual({ uploadId: session.uploadId, status: 'PENDING' });
    // Woken by the shutdown, not by its 20 s running out.
    expect((await wakes.get()).values.map(({ labels, value }) => [labels.reason, value])).toEqual([['shutdown', 1]]);
  });
});
