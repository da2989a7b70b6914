// Bundles the S3-event forwarder into one file for Lambda (Node.js 24). The AWS SDK is
// bundled too: pinning our own version beats depending on the runtime's copy.
import './use-node24.mjs';
import { build } from 'esbuild';

const started = Date.now();
await build({
  entryPoints: ['apps/s3-event-forwarder/src/handler.ts'],
  outfile: 'dist/lambda/s3-event-forwarder/index.js',
  bundle: true,
  platform: 'node',
  target: 'node24',
  format: 'cjs',
  minify: true,
  sourcemap: true,
  tsconfig: 'tsconfig.json',
  logLevel: 'warning',
});
console.log(`built dist/lambda/s3-event-forwarder/index.js in ${Date.now() - started} ms`);
