import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext, Locator, Page, Request, Response, Route } from 'playwright-core';
import sharp from 'sharp';
import { makeJpeg, noisyPng, waitFor } from '@lib/testing';
import { freePort } from '../global-setup';
import { ApiClient } from '../support/api-client';
import { launchChromium } from '../support/chromium';
import { recordPartTraffic } from '../support/part-traffic';
import { devToken, startTestStack, TestStack } from '../support/test-stack';

const ROOT = join(__dirname, '..', '..');
const ARTIFACTS = join(ROOT, 'test-artifacts');
const MIB = 1024 * 1024;
const UPLOAD_MAX_BYTES = MIB;
// Originals above UPLOAD_MAX_BYTES go in parts of S3's minimum size, up to MULTIPART_MAX_BYTES.
const MULTIPART_MAX_BYTES = 16 * MIB;
const PART_SIZE_BYTES = 5 * MIB;

describe('web client, in Chromium against the real stack', () => {
  let stack: TestStack;
  let origin: string;
  let context: BrowserContext;
  let page: Page;
  const pageProblems: string[] = [];

  beforeAll(async () => {
    // Builds from source, so the page under test is never a stale dist/web.
    const build = spawnSync(process.execPath, ['scripts/build-web.mjs'], { cwd: ROOT, encoding: 'utf8' });
    if (build.status !== 0) throw new Error(`build:web failed:\n${build.stdout}${build.stderr}`);
    // The page's origin must be known before the buckets' CORS rule is written, so the port is picked first.
    const port = await freePort();
    origin = `http://127.0.0.1:${port}`;
    stack = await startTestStack({
      apiPort: port,
      webOrigins: [origin],
      env: {
        WEB_CLIENT_ENABLED: 'true',
        UPLOAD_MAX_BYTES: String(UPLOAD_MAX_BYTES),
        MULTIPART_THRESHOLD_BYTES: String(UPLOAD_MAX_BYTES),
        MULTIPART_PART_SIZE_BYTES: String(PART_SIZE_BYTES),
        MULTIPART_MAX_BYTES: String(MULTIPART_MAX_BYTES),
      },
    });
    context = await launchChromium();
    page = context.pages()[0] ?? (await context.newPage());
    page.on('pageerror', (error) => pageProblems.push(`uncaught: ${error.message}`));
    page.on('console', (message) => {
      if (/Content.Security.Policy|Refused to/i.test(message.text())) pageProblems.push(message.text());
    });
    await page.goto(`${origin}/`);
    // Keyboard only: type a name and press Enter.
    await page.getByLabel('Your name').fill('browser-alice');
    await page.getByLabel('Your name').press('Enter');
    await page.getByText('Signed in as browser-alice').waitFor();
  });

  afterAll(async () => {
    await context?.close();
    await stack?.stop();
  });

  afterEach(() => {
    // A CSP that blocks S3 or a script error would show up here before anywhere else.
    expect(pageProblems).toEqual([]);
  });

  const uploads = () => page.getByRole('list', { name: 'Uploads' });
  const gallery = () => page.getByRole('list', { name: 'Your images' });
  const row = (name: string) => uploads().getByRole('listitem').filter({ hasText: name });
  const choose = (...files: { name: string; mimeType: string; buffer: Buffer }[]) =>
    page.getByLabel('Choose images').setInputFiles(files);

  it('uploads a real JPEG and shows it READY in the gallery with the thumbnail the browser made', async () => {
    const jpeg = await makeJpeg(800, 600);
    const puts: Promise<{ bucket: string; headers: Record<string, string> }>[] = [];
    const onRequest = (request: Request) => {
      if (request.method() !== 'PUT') return;
      const bucket = new URL(request.url()).pathname.split('/')[1]!;
      puts.push(request.allHeaders().then((headers) => ({ bucket, headers })));
    };
    page.on('request', onRequest);
    await choose({ name: 'sunset.jpg', mimeType: 'image/jpeg', buffer: jpeg });

    await row('sunset.jpg').getByText('Ready', { exact: true }).waitFor({ timeout: 30_000 });
    const thumbnail = gallery().getByRole('img', { name: 'sunset.jpg' });
    const shown = await thumbnail.evaluate(async (img: HTMLImageElement) => {
      await img.decode();
      return { src: img.currentSrc, width: img.naturalWidth, height: img.naturalHeight };
    });
    expect(new URL(shown.src).pathname.split('/')[1]).toBe(stack.resources.thumbnailsBucket);
    expect(shown).toMatchObject({ width: 256, height: 192 });
    // The worker makes WebP thumbnails too, but only after THUMBNAIL_WAIT_SECONDS (60 s): this one is the page's.
    const bytes = Buffer.from(await (await fetch(shown.src)).arrayBuffer());
    expect(await sharp(bytes).metadata()).toMatchObject({ format: 'webp', width: 256, height: 192 });

    // Straight to S3 with the signed headers: the original's checksum binds these exact bytes.
    page.off('request', onRequest);
    const sent = Object.fromEntries((await Promise.all(puts)).map(({ bucket, headers }) => [bucket, headers]));
    expect(sent[stack.resources.originalsBucket]).toMatchObject({
      'content-type': 'image/jpeg',
      'content-length': String(jpeg.length),
      'if-none-match': '*',
      'x-amz-checksum-sha256': createHash('sha256').update(jpeg).digest('base64'),
    });
    expect(sent[stack.resources.thumbnailsBucket]).toMatchObject({
      'content-type': 'image/webp',
      'if-none-match': '*',
    });
  });

  it('refuses a non-image and a too-big file before upload, and shows a text file named .jpg REJECTED with the reason', async () => {
    // The verdict comes by long-poll: one status request, held until the worker stored it.
    const statusAnswers: Promise<string>[] = [];
    const onResponse = (response: Response) => {
      const url = new URL(response.url());
      if (response.request().method() !== 'GET' || !/^\/v1\/uploads\/[0-9a-f-]{36}$/.test(url.pathname)) return;
      statusAnswers.push(response.json().then((body: { status: string }) => `${url.search} ${body.status}`));
    };
    page.on('response', onResponse);
    await choose(
      { name: 'notes.jpg', mimeType: 'image/jpeg', buffer: Buffer.from('only text, not a JPEG at all\n'.repeat(20)) },
      { name: 'readme.txt', mimeType: 'text/plain', buffer: Buffer.from('hello') },
      { name: 'huge.jpg', mimeType: 'image/jpeg', buffer: Buffer.alloc(MULTIPART_MAX_BYTES + 1, 0xff) },
    );

    await row('readme.txt')
      .getByText(/^Not an image \(text\/plain\)/)
      .waitFor();
    await row('huge.jpg').getByText('Too big: 16,777,217 bytes; the limit is 16,777,216 bytes.').waitFor();
    expect(await row('readme.txt').getByRole('progressbar').count()).toBe(0);
    await row('notes.jpg').getByText("Rejected: This file isn't an image, whatever its name says.").waitFor({
      timeout: 30_000,
    });
    expect(await gallery().getByRole('img', { name: 'notes.jpg' }).count()).toBe(0);
    page.off('response', onResponse);
    expect(await Promise.all(statusAnswers)).toEqual(['?wait=20 REJECTED']);
  });

  it('uploads three files at once, each with its own progress bar, to completion', async () => {
    const files = [
      { name: 'one.jpg', mimeType: 'image/jpeg', buffer: await makeJpeg(1200, 900) },
      { name: 'two.jpg', mimeType: 'image/jpeg', buffer: await makeJpeg(640, 480) },
      { name: 'three.jpg', mimeType: 'image/jpeg', buffer: await makeJpeg(300, 800) },
    ];
    await choose(...files);

    const bars = files.map((file) => page.getByRole('progressbar', { name: `Upload progress for ${file.name}` }));
    expect(await Promise.all(bars.map((bar) => bar.count()))).toEqual([1, 1, 1]);
    for (const file of files) await row(file.name).getByText('Ready', { exact: true }).waitFor({ timeout: 30_000 });
    expect(await Promise.all(bars.map(progressValue))).toEqual([100, 100, 100]);
    for (const file of files) await gallery().getByRole('img', { name: file.name }).waitFor();
    // Newest first: the three new images lead, the first test's sunset.jpg comes after them.
    const order = await gallery()
      .getByRole('img')
      .evaluateAll((imgs) => imgs.map((img) => img.getAttribute('alt')));
    expect(order.indexOf('sunset.jpg')).toBe(3);
  });

  it('reports a network failure on the way to S3 and recovers with Retry', async () => {
    const bucketPath = `/${stack.resources.originalsBucket}/`;
    const dropPuts = (url: URL) => url.pathname.startsWith(bucketPath);
    await page.route(dropPuts, (route) =>
      route.request().method() === 'PUT' ? route.abort('connectionreset') : route.continue(),
    );
    await choose({ name: 'flaky.jpg', mimeType: 'image/jpeg', buffer: await makeJpeg(500, 500) });

    await row('flaky.jpg')
      .getByText(/^Network problem: the upload to storage did not go through/)
      .waitFor();
    await page.unroute(dropPuts);
    await row('flaky.jpg').getByRole('button', { name: 'Retry flaky.jpg' }).click();
    await row('flaky.jpg').getByText('Ready', { exact: true }).waitFor({ timeout: 30_000 });
    await gallery().getByRole('img', { name: 'flaky.jpg' }).waitFor();
  });

  it('finishes an upload whose PUT reached S3 but whose answer was lost: the retry is refused (412) as a second write, and taken as done', async () => {
    const bucketPath = `/${stack.resources.originalsBucket}/`;
    const answerLost = (url: URL) => url.pathname.startsWith(bucketPath);
    const refusals: number[] = [];
    const onResponse = (response: { request(): Request; status(): number }) => {
      if (response.request().method() === 'PUT' && response.status() === 412) refusals.push(412);
    };
    await page.route(answerLost, async (route) => {
      if (route.request().method() !== 'PUT') return route.continue();
      const stored = await route.fetch();
      expect(stored.status()).toBe(200);
      await route.abort('connectionreset');
    });
    await choose({ name: 'echo.jpg', mimeType: 'image/jpeg', buffer: await makeJpeg(300, 200) });

    await row('echo.jpg')
      .getByText(/^Network problem: the upload to storage did not go through/)
      .waitFor();
    await page.unroute(answerLost);
    page.on('response', onResponse);
    await row('echo.jpg').getByRole('button', { name: 'Retry echo.jpg' }).click();
    await row('echo.jpg').getByText('Ready', { exact: true }).waitFor({ timeout: 30_000 });
    page.off('response', onResponse);
    expect(refusals).toEqual([412]);
  });

  it('deletes an image from the gallery after a confirming second press', async () => {
    const api = (path: string, init: RequestInit = {}) =>
      devToken(stack.apiUrl, 'browser-alice').then((token) =>
        fetch(`${stack.apiUrl}${path}`, { ...init, headers: { authorization: `Bearer ${token}` } }),
      );
    const before = ((await (await api('/v1/images')).json()) as { items: unknown[] }).items.length;

    await gallery().getByRole('button', { name: 'Delete two.jpg' }).click();
    await gallery().getByRole('button', { name: 'Confirm delete of two.jpg' }).click();
    await gallery().getByRole('img', { name: 'two.jpg' }).waitFor({ state: 'detached' });

    expect(((await (await api('/v1/images')).json()) as { items: unknown[] }).items).toHaveLength(before - 1);
  });

  it('lays out the final gallery on a desktop and a phone-sized screen (screenshots in test-artifacts/)', async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    await settleImages(gallery());
    await page.screenshot({ path: join(ARTIFACTS, 'web-client-desktop.png'), fullPage: true });

    await page.setViewportSize({ width: 390, height: 844 });
    await settleImages(gallery());
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await page.screenshot({ path: join(ARTIFACTS, 'web-client-phone.png'), fullPage: true });
  });

  /** The CORS rule on the buckets is what lets the page PUT: another origin is refused by the browser. */
  it('cannot upload from an origin the bucket CORS rule does not list', async () => {
    const other = await context.newPage();
    const logged: string[] = [];
    other.on('console', (message) => logged.push(message.text()));
    try {
      await other.goto(origin.replace('127.0.0.1', 'localhost') + '/');
      await other.getByLabel('Your name').fill('browser-bob');
      await other.getByRole('button', { name: 'Sign in' }).click();
      await other.getByLabel('Choose images').setInputFiles({
        name: 'elsewhere.jpg',
        mimeType: 'image/jpeg',
        buffer: await makeJpeg(200, 200),
      });
      await other
        .getByRole('list', { name: 'Uploads' })
        .getByRole('listitem')
        .filter({ hasText: 'elsewhere.jpg' })
        .getByText(/^Network problem: the upload to storage did not go through/)
        .waitFor();
      expect(logged.join('\n')).toMatch(/from origin 'http:\/\/localhost:\d+' has been blocked by CORS policy/);
    } finally {
      await other.close();
    }
  });

  it('sends an original above the single-PUT limit in parallel parts, to READY', async () => {
    const png = await noisyPng(2000, 2000);
    const parts = recordPartTraffic(page, stack.resources.originalsBucket);

    await choose({ name: 'noise.png', mimeType: 'image/png', buffer: png });
    await row('noise.png').getByText('Ready', { exact: true }).waitFor({ timeout: 60_000 });
    parts.stop();

    expect(parts.sent.sort()).toEqual([1, 2, 3]);
    expect(parts.stored.sort()).toEqual([1, 2, 3]);
    await gallery().getByRole('img', { name: 'noise.png' }).waitFor();
    expect(await page.evaluate(() => localStorage.getItem('image-uploads.multipart'))).toBeNull();
  });

  it('cancels a multipart upload: its requests stop and S3 aborts the upload, which the API then calls EXPIRED', async () => {
    const parts = recordPartTraffic(page, stack.resources.originalsBucket);
    const held: Route[] = [];
    const partTraffic = (url: URL) =>
      url.pathname.startsWith(`/${stack.resources.originalsBucket}/`) && url.searchParams.has('partNumber');
    await page.route(partTraffic, (route) => void held.push(route));
    try {
      await choose({ name: 'cancelled.png', mimeType: 'image/png', buffer: await noisyPng(1600, 1600) });
      await waitFor(async () => held.length > 0, { what: 'a part on its way' });
      await row('cancelled.png').getByRole('button', { name: 'Cancel cancelled.png' }).click();
      await row('cancelled.png').getByText('Cancelled.', { exact: true }).waitFor();
      await waitFor(async () => parts.aborted.length === 1, { what: 'AbortMultipartUpload' });
    } finally {
      await page.unroute(partTraffic);
      for (const route of held) await route.abort('aborted').catch(() => undefined);
      parts.stop();
    }
    const uploadId = parts.aborted[0]!.split('/').pop()!;
    const client = new ApiClient(stack.apiUrl, await devToken(stack.apiUrl, 'browser-alice'));
    await waitFor(async () => (await client.status(uploadId)).status === 'EXPIRED', { what: 'the upload EXPIRED' });
    expect(await page.evaluate(() => localStorage.getItem('image-uploads.multipart'))).toBeNull();
  });

  // Last: the reload forgets which upload had which file name, which the gallery's tests use.
  it('resumes a multipart upload after a page reload, without sending the parts S3 already holds', async () => {
    // A file on disk, so choosing it again after the reload gives the same name, size and date.
    const dir = mkdtempSync(join(tmpdir(), 'web-resume-'));
    const path = join(dir, 'resumed.png');
    writeFileSync(path, await noisyPng(2000, 2000));
    const parts = recordPartTraffic(page, stack.resources.originalsBucket);
    // Part 1 goes through; parts 2 and 3 are held on their way until the page is reloaded.
    const held: Route[] = [];
    const partTraffic = (url: URL) =>
      url.pathname.startsWith(`/${stack.resources.originalsBucket}/`) && url.searchParams.has('partNumber');
    await page.route(partTraffic, (route) =>
      route.request().url().includes('partNumber=1&') || route.request().url().endsWith('partNumber=1')
        ? route.continue()
        : void held.push(route),
    );
    try {
      await page.getByLabel('Choose images').setInputFiles(path);
      await waitFor(async () => parts.stored.includes(1) && held.length === 2, { what: 'part 1 stored, 2 and 3 held' });
      await waitFor(() => page.evaluate(() => localStorage.getItem('image-uploads.multipart')), {
        what: 'the session saved',
      });

      await page.reload();
      await page.unroute(partTraffic);
      for (const route of held) await route.abort('aborted').catch(() => undefined);
      parts.sent.length = 0;
      await page.getByText('Signed in as browser-alice').waitFor();
      await page.getByLabel('Choose images').setInputFiles(path);
      await row('resumed.png').getByText('Ready', { exact: true }).waitFor({ timeout: 60_000 });
    } finally {
      parts.stop();
      rmSync(dir, { recursive: true, force: true });
    }

    // After the reload: ListParts, then only the parts S3 did not have.
    expect(parts.listed).toBeGreaterThanOrEqual(1);
    expect(parts.sent.sort()).toEqual([2, 3]);
    expect(await page.evaluate(() => localStorage.getItem('image-uploads.multipart'))).toBeNull();
    await gallery().getByRole('img', { name: 'resumed.png' }).waitFor();
  });
});

function progressValue(bar: Locator): Promise<number> {
  return bar.evaluate((element: HTMLProgressElement) => element.value);
}

/** Waits until every gallery image has loaded (or failed), so a screenshot shows the real page. */
async function settleImages(list: Locator): Promise<void> {
  await list.evaluate((element) =>
    Promise.all(Array.from(element.querySelectorAll('img'), (img) => img.decode().catch(() => undefined))),
  );
}
