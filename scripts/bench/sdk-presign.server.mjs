// Baseline (b): a bare Fastify route that only calls getSignedUrl with an S3Client, and references
// that bound what any route here can do: a GET, a POST that only parses its body, and a POST that
// also makes the two signatures (a) returns, with this repo's signer and nothing else.
import { createRequire } from 'node:module';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import Fastify from 'fastify';

const s3 = new S3Client({
  region: process.env.AWS_REGION,
  endpoint: process.env.AWS_ENDPOINT_URL,
  forcePathStyle: true,
  requestChecksumCalculation: 'WHEN_REQUIRED',
});
const { UrlSigner } = createRequire(import.meta.url)('../../dist/libs/storage/src/index.js');
const signer = new UrlSigner(
  { region: process.env.AWS_REGION, endpoint: process.env.AWS_ENDPOINT_URL, forcePathStyle: true },
  s3.config.credentials,
);
const app = Fastify();
let n = 0;
app.post('/presign', async () => {
  const url = await getSignedUrl(
    s3,
    new PutObjectCommand({
      Bucket: process.env.S3_ORIGINALS_BUCKET,
      Key: `bench/${n++}`,
      ContentType: 'image/jpeg',
      ContentLength: 1000,
    }),
    { expiresIn: 300, signableHeaders: new Set(['content-type', 'content-length']) },
  );
  return { url };
});
app.get('/json', async () => ({ ok: true }));
app.post('/echo', async (request) => ({ size: request.body.size }));
app.post('/two-signatures', async (request) => {
  const key = `bench/${n++}`;
  const put = (bucket, contentType, contentLength) =>
    signer.presignPut({ bucket, key, contentType, contentLength, expiresInSeconds: 300 });
  const { size, contentType, thumbnail } = request.body;
  return {
    original: await put(process.env.S3_ORIGINALS_BUCKET, contentType, size),
    thumbnail: await put(process.env.S3_THUMBNAILS_BUCKET, thumbnail.contentType, thumbnail.size),
  };
});
await app.listen({ host: '127.0.0.1', port: Number(process.env.PORT) });
