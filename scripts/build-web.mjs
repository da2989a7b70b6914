// Bundles the web client (plain TypeScript, no framework) into dist/web/ for the API to serve
// in local mode. The folder is rebuilt from scratch: the API serves every file it finds there.
import './use-node24.mjs';
import { copyFileSync, mkdirSync, rmSync } from 'node:fs';
import { build } from 'esbuild';

const started = Date.now();
const out = 'dist/web';
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
await build({
  entryPoints: { app: 'apps/web/src/main.ts', styles: 'apps/web/styles.css' },
  outdir: out,
  bundle: true,
  platform: 'browser',
  format: 'esm',
  // Browsers with OffscreenCanvas or canvas.toBlob, WebCrypto and XHR upload progress.
  target: ['chrome100', 'firefox100', 'safari15', 'edge100'],
  minify: true,
  sourcemap: true,
  tsconfig: 'apps/web/tsconfig.json',
  logLevel: 'warning',
});
copyFileSync('apps/web/index.html', `${out}/index.html`);
console.log(`built ${out}/ in ${Date.now() - started} ms`);
