// Baseline (c): @uppy/companion's /s3/params, configured for the same emulator and bucket.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as companion from '@uppy/companion';
import express from 'express';

const port = Number(process.env.PORT);
const app = express();
const { app: companionApp } = companion.app({
  s3: {
    key: process.env.AWS_ACCESS_KEY_ID,
    secret: process.env.AWS_SECRET_ACCESS_KEY,
    bucket: process.env.S3_ORIGINALS_BUCKET,
    region: process.env.AWS_REGION,
    endpoint: process.env.AWS_ENDPOINT_URL,
    forcePathStyle: true,
  },
  server: { host: `127.0.0.1:${port}`, protocol: 'http' },
  filePath: mkdtempSync(join(tmpdir(), 'companion-')),
  secret: 'bench-only-secret',
  corsOrigins: true,
  uploadUrls: [`http://127.0.0.1:${port}`],
  logClientVersion: false,
});
app.use(companionApp);
app.listen(port, '127.0.0.1');
