import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { extname, join } from 'node:path';
import { build } from 'esbuild';
import type { BrowserContext, Page, Route } from 'playwright-core';
import { makeJpeg, noisyPng, waitFor } from '@lib/testing';
import { launchChromium } from '../support/chromium';
import { recordPartTraffic } from '../support/part-traffic';
import { ApiClient } from '../support/api-client';
import { devToken, startTestStack, TestStack } from '../support/test-stack';
import { freePort } from '../global-setup';

const ROOT = join(__dirname, '..', '..');
const EXAMPLE = join(ROOT, 'examples', 'uppy');
const MIB = 1024 * 1024;
// The adapter asks for parts above 5 MiB; they are S3's minimum here, so a 12 MB image has 3.
const PART_SIZE_BYTES = 5 * MIB;

/** What the test touches of the page's Uppy instance (examples/uppy/main.ts sets window.uppy). */
interface PageUppy {
  getFiles(): { id: string; meta: Record<string, unknown> }[];
  pauseResume(fileId: string): void;
  upload(): Promise<
    | {
        successful?: { name?: string; response?: { body?: { key?: unknown } } }[];
        failed?: { name?: string; error?: unknown }[];
      }
    | undefined
  >;
  clear(): void;
  emit(event: 'restore-confirmed'): void;
  once(event: 'complete', handler: (result: Awaited<ReturnType<PageUppy['upload']>>) => void): void;
}

interface UppyOutcome {
  successful: { name: string; key: string }[];
  failed: { name: string; error: string }[];
}

/**
 * In the page: whether Golden Retriever has saved, in its IndexedDB database, both the file's
 * bytes and Uppy's state with the file's multipart session and an upload past its preprocessor.
 */
async function savedByGoldenRetriever(): Promise<boolean> {
  const db = await new Promise<IDBDatabase>((resolve, reject) => {
    const request = indexedDB.open('uppy-blobs');
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
  const read = <T>(store: string, how: (objects: IDBObjectStore) => IDBRequest<T>) =>
    new Promise<T>((resolve, reject) => {
      const request = how(db.transaction([store]).objectStore(store));
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
  try {
    const blobs = await read('files', (objects) => objects.count());
    const record = await read<{ metadata: string } | undefined>('metadata', (objects) => objects.get('uppy'));
    if (!blobs || !record) return false;
    const state = JSON.parse(record.metadata) as {
      files: Record<string, { s3Multipart?: unknown; meta: { uploadId?: unknown } }>;
      currentUploads: Record<string, { step: number }>;
    };
    const files = Object.values(state.files);
    const uploads = Object.values(state.currentUploads);
    return files.length === 1 && Boolean(files[0]!.s3Multipart && files[0]!.meta.uploadId) && uploads[0]!.step >= 1;
  } finally {
    db.close();
  }
}

/** The example page (examples/uppy: the README's adapter, unchanged), bundled and served from an origin of its own. */
async function servePage(): Promise<{ server: Server; origin: string; dir: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'uppy-example-'));
  await build({
    entryPoints: { 'uppy-example': join(EXAMPLE, 'main.ts') },
    outdir: dir,
    bundle: true,
    platform: 'browser',
    format: 'esm',
    target: ['chrome100'],
    tsconfig: join(EXAMPLE, 'tsconfig.json'),
    logLevel: 'warning',
  });
  copyFileSync(join(EXAMPLE, 'index.html'), join(dir, 'index.html'));
  const types: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript' };
  const server = createServer((request, response) => {
    const name = new URL(request.url ?? '/', 'http://page').pathname.slice(1) || 'index.html';
    if (!/^[\w.-]+$/.test(name) || !types[extname(name)]) return void response.writeHead(404).end();
    try {
      response.writeHead(200, { 'content-type': types[extname(name)]! }).end(readFileSync(join(dir, name)));
    } catch {
      response.writeHead(404).end();
    }
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return { server, origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, dir };
}

describe('Uppy (@uppy/core + @uppy/aws-s3 6.3.1) through the README adapter, in Chromium against the real stack', () => {
  let stack: TestStack;
  let site: Awaited<ReturnType<typeof servePage>>;
  let context: BrowserContext;
  let page: Page;
  let api: ApiClient;
  const logged: string[] = [];

  beforeAll(async () => {
    site = await servePage();
    // A third party's page: another origin than the API's, allowed by the API's and the buckets' CORS.
    stack = await startTestStack({
      webOrigins: [site.origin],
      env: {
        WEB_ORIGINS: site.origin,
        MULTIPART_PART_SIZE_BYTES: String(PART_SIZE_BYTES),
      },
    });
    api = new ApiClient(stack.apiUrl, await devToken(stack.apiUrl, 'uppy-alice'));
    context = await launchChromium();
    page = context.pages()[0] ?? (await context.newPage());
    page.on('console', (message) => logged.push(message.text()));
    page.on('pageerror', (error) => logged.push(`uncaught: ${error.message}`));
    await page.goto(`${site.origin}/index.html#api=${encodeURIComponent(stack.apiUrl)}&token=${api.token}`);
  });

  afterAll(async () => {
    await context?.close();
    await stack?.stop();
    await new Promise((resolve) => site?.server.close(resolve));
    if (site) rmSync(site.dir, { recursive: true, force: true });
  });

  afterEach(() => {
    // Chrome logs "Refused to set unsafe header" when a script sets Content-Length or Host.
    expect(logged.filter((line) => /unsafe header|Refused to|uncaught/i.test(line))).toEqual([]);
  });

  /** Chooses the files on the page and runs uppy.upload(); the adapter's postprocessor waits for the verdicts. */
  async function uploadWithUppy(...files: { name: string; mimeType: string; buffer: Buffer }[]): Promise<UppyOutcome> {
    await page.getByLabel('Choose images').setInputFiles(files);
    return page.evaluate(async () => {
      const uppy = (window as unknown as { uppy: PageUppy }).uppy;
      const result = await uppy.upload();
      uppy.clear();
      return {
        successful: (result?.successful ?? []).map((file) => ({
          name: file.name ?? '',
          key: String(file.response?.body?.key),
        })),
        failed: (result?.failed ?? []).map((file) => ({ name: file.name ?? '', error: String(file.error) })),
      };
    });
  }

  const uploadIdOf = (key: string) => key.split('/').pop()!;

  const recordParts = () => recordPartTraffic(page, stack.resources.originalsBucket);

  it('uploads a real JPEG with one PUT; Uppy reports the server’s key, and the upload is READY once Uppy is done', async () => {
    const jpeg = await makeJpeg(800, 600);
    const puts: string[] = [];
    const onRequest = (request: { method(): string; url(): string }) => {
      if (request.method() === 'PUT') puts.push(new URL(request.url()).pathname);
    };
    page.on('request', onRequest);

    const outcome = await uploadWithUppy({ name: 'harbour.jpg', mimeType: 'image/jpeg', buffer: jpeg });
    page.off('request', onRequest);

    expect(outcome.failed).toEqual([]);
    expect(outcome.successful).toEqual([
      { name: 'harbour.jpg', key: expect.stringMatching(/^originals\/[^/]+\/[0-9a-f-]{36}$/) },
    ]);
    const key = outcome.successful[0]!.key;
    expect(puts).toEqual([`/${stack.resources.originalsBucket}/${key}`]);
    // The postprocessor returned only after the verdict: READY already, no polling needed here.
    const status = await api.status(uploadIdOf(key));
    expect(status).toMatchObject({ status: 'READY', image: { width: 800, height: 600, bytes: jpeg.length } });
  });

  it('counts a text file named .jpg (declared image/jpeg) as failed, with the worker’s reason', async () => {
    const text = Buffer.from('this is text pretending to be a photo\n'.repeat(30));

    const outcome = await uploadWithUppy({ name: 'spoof.jpg', mimeType: 'image/jpeg', buffer: text });

    expect(outcome.successful).toEqual([]);
    expect(outcome.failed).toEqual([{ name: 'spoof.jpg', error: expect.stringMatching(/not an image/i) }]);
  });

  it('uploads an image above 5 MiB in parts (multipart), to READY', async () => {
    const png = await noisyPng(2000, 2000);
    expect(png.length).toBeGreaterThan(2 * PART_SIZE_BYTES);
    const parts = recordParts();

    const outcome = await uploadWithUppy({ name: 'noise.png', mimeType: 'image/png', buffer: png });
    parts.stop();

    expect(outcome.failed).toEqual([]);
    expect(outcome.successful).toEqual([{ name: 'noise.png', key: expect.stringMatching(/^originals\//) }]);
    // Uppy cut the file as the API signed it: 3 parts of the session's size, each sent once.
    expect(parts.sent).toEqual([1, 2, 3]);
    expect(parts.stored.sort()).toEqual([1, 2, 3]);
    const status = await api.status(uploadIdOf(outcome.successful[0]!.key));
    expect(status).toMatchObject({ status: 'READY', image: { width: 2000, height: 2000, bytes: png.length } });
  });

  it('pauses mid-way and resumes without sending the finished parts again', async () => {
    const png = await noisyPng(2000, 2000);
    const parts = recordParts();
    // Part 2 is held on its way until the test has paused the file; pausing aborts it.
    let releasePart2!: () => void;
    const part2Held = new Promise<void>((resolve) => (releasePart2 = resolve));
    let part2Arrived!: () => void;
    const part2Sent = new Promise<void>((resolve) => (part2Arrived = resolve));
    let heldOnce = false;
    const isPart2 = (url: URL) =>
      url.pathname.startsWith(`/${stack.resources.originalsBucket}/`) && url.searchParams.get('partNumber') === '2';
    await page.route(isPart2, async (route: Route) => {
      if (route.request().method() !== 'PUT' || heldOnce) return route.continue();
      heldOnce = true;
      part2Arrived();
      await part2Held;
      await route.abort('aborted').catch(() => undefined);
    });
    await page.getByLabel('Choose images').setInputFiles({ name: 'paused.png', mimeType: 'image/png', buffer: png });
    const running = page.evaluate(async () => {
      const uppy = (window as unknown as { uppy: PageUppy }).uppy;
      const result = await uppy.upload();
      uppy.clear();
      return {
        successful: (result?.successful ?? []).map((file) => String(file.response?.body?.key)),
        failed: (result?.failed ?? []).map((file) => String(file.error)),
      };
    });

    await part2Sent;
    const pause = () =>
      page.evaluate(() => {
        const uppy = (window as unknown as { uppy: PageUppy }).uppy;
        uppy.pauseResume(uppy.getFiles()[0]!.id);
      });
    await pause();
    releasePart2();
    await pause(); // resume
    const outcome = await running;
    parts.stop();
    await page.unroute(isPart2);

    expect(outcome).toEqual({ successful: [expect.stringMatching(/^originals\//)], failed: [] });
    // Part 1 went once; part 2 twice (the paused attempt never reached S3); each stored once.
    expect(parts.sent).toEqual([1, 2, 2, 3]);
    expect(parts.stored.sort()).toEqual([1, 2, 3]);
    // Resuming asked S3 which parts it holds (ListParts), as the first start did.
    expect(parts.listed).toBe(2);
    expect((await api.status(uploadIdOf(outcome.successful[0]!))).status).toBe('READY');
  });

  it('resumes an upload interrupted by a page reload without sending its finished parts again (Golden Retriever)', async () => {
    // Golden Retriever keeps files of up to 10 MiB in IndexedDB: this one has two parts of 5 MiB.
    const png = await noisyPng(1500, 1500);
    expect(png.length).toBeGreaterThan(PART_SIZE_BYTES);
    expect(png.length).toBeLessThan(10 * MIB);
    const parts = recordParts();
    // Part 2 is held on its way (never answered) until the page reloads, which cuts it off.
    let held: Route | undefined;
    let part2Arrived!: () => void;
    const part2Sent = new Promise<void>((resolve) => (part2Arrived = resolve));
    const isPart2 = (url: URL) =>
      url.pathname.startsWith(`/${stack.resources.originalsBucket}/`) && url.searchParams.get('partNumber') === '2';
    await page.route(isPart2, (route: Route) => {
      if (route.request().method() !== 'PUT' || held) return route.continue();
      held = route;
      part2Arrived();
    });
    await page.getByLabel('Choose images').setInputFiles({ name: 'reloaded.png', mimeType: 'image/png', buffer: png });
    await page.evaluate(() => void (window as unknown as { uppy: PageUppy }).uppy.upload());
    await part2Sent;
    await waitFor(() => page.evaluate(savedByGoldenRetriever), { what: 'Golden Retriever to save the upload' });
    const keyBefore = await page.evaluate(() =>
      String((window as unknown as { uppy: PageUppy }).uppy.getFiles()[0]!.meta.key),
    );

    await page.reload();
    await held!.abort('aborted').catch(() => undefined);
    await waitFor(() => page.evaluate(() => (window as unknown as { uppy: PageUppy }).uppy.getFiles().length === 1), {
      what: 'Golden Retriever to restore the file',
    });
    const outcome = await page.evaluate(async () => {
      const uppy = (window as unknown as { uppy: PageUppy }).uppy;
      const result = await new Promise<Awaited<ReturnType<PageUppy['upload']>>>((resolve) => {
        uppy.once('complete', resolve);
        uppy.emit('restore-confirmed');
      });
      uppy.clear();
      return {
        successful: (result?.successful ?? []).map((file) => String(file.response?.body?.key)),
        failed: (result?.failed ?? []).map((file) => String(file.error)),
      };
    });
    parts.stop();
    await page.unroute(isPart2);

    // The same upload, continued: no new session was asked for after the reload.
    expect(outcome).toEqual({ successful: [keyBefore], failed: [] });
    expect(keyBefore).toMatch(/^originals\//);
    // Part 1 went once, before the reload; part 2 was cut off by it and sent once more after.
    expect(parts.sent).toEqual([1, 2, 2]);
    expect(parts.stored.sort()).toEqual([1, 2]);
    // The restored upload asked S3 which parts it holds (ListParts) before sending any.
    expect(parts.listed).toBe(2);
    expect((await api.status(uploadIdOf(outcome.successful[0]!))).status).toBe('READY');
  });
});
