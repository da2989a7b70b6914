import { existsSync, readFileSync } from 'node:fs';
import { join, sep } from 'node:path';
import fastifyStatic from '@fastify/static';
import { Logger } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { ApiConfig } from '@lib/config';

/** dist/web at the repository root, from apps/api/src/web (ts) and dist/apps/api/src/web (js). */
export function webClientDir(): string {
  const fromDist = __dirname.includes(`${sep}dist${sep}apps${sep}`);
  return join(__dirname, ...Array<string>(fromDist ? 5 : 4).fill('..'), 'dist', 'web');
}

/**
 * The page may talk to this API (same origin) and to S3 only, and show images from S3 or the
 * CDN plus its own blob: previews. Helmet's policy is off for the JSON API (the /docs page
 * needs inline code), so the page gets this one of its own.
 */
export function webClientCsp(config: ApiConfig): string {
  const storage = config.aws.endpoint ? new URL(config.aws.endpoint).origin : 'https://*.amazonaws.com';
  const cdn = config.storage.cdnBaseUrl ? ` ${new URL(config.storage.cdnBaseUrl).origin}` : '';
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    `img-src 'self' blob: data: ${storage}${cdn}`,
    `connect-src 'self' ${storage}`,
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/**
 * Serves the reference web client (built by `npm run build:web`) at /, in local mode only
 * (WEB_CLIENT_ENABLED). Only the files present at start are routed, so every other path still
 * gets the API's own 404 problem document.
 */
export async function registerWebClient(app: NestFastifyApplication, config: ApiConfig): Promise<void> {
  if (!config.webClientEnabled) return;
  const root = webClientDir();
  const indexFile = join(root, 'index.html');
  if (!existsSync(indexFile)) {
    new Logger('WebClient').warn({ msg: 'web client not built; run `npm run build:web`', dir: root });
    return;
  }
  // The page learns the upload limits from here, so it refuses a too-big file before any request.
  const limits = JSON.stringify({
    maxBytes: config.uploads.maxBytes,
    maxThumbnailBytes: config.uploads.maxThumbnailBytes,
    multipartThresholdBytes: config.uploads.multipart.thresholdBytes,
    multipartMaxBytes: config.uploads.multipart.maxBytes,
  });
  const html = readFileSync(indexFile, 'utf8').replace(
    /(<script type="application\/json" id="client-config">)[\s\S]*?(<\/script>)/,
    (_match, open: string, close: string) => `${open}${limits.replace(/</g, '\\u003c')}${close}`,
  );
  const csp = webClientCsp(config);
  await app.register(fastifyStatic, {
    root,
    wildcard: false,
    index: false,
    globIgnore: ['index.html'],
    // Rebuilt files must show on reload; the ETag keeps revalidation cheap.
    cacheControl: false,
    setHeaders: (reply) => reply.header('cache-control', 'no-cache'),
  });
  const fastify = app.getHttpAdapter().getInstance();
  for (const path of ['/', '/index.html']) {
    fastify.get(path, (_request, reply) =>
      reply
        .header('content-security-policy', csp)
        .header('cache-control', 'no-cache')
        .type('text/html; charset=utf-8')
        .send(html),
    );
  }
  new Logger('WebClient').log({ msg: 'web client served', url: `${config.publicBaseUrl}/` });
}
