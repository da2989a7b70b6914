// Baseline (b): a bare Fastify route that only calls getSignedUrl with an S3Client.
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import Fastify from 'fastify';

const s3 = new S3Client({
  region: process.env.AWS_REGION,
  endpoint: process.env.AWS_ENDPOINT_URL,
  forcePathStyle: true,
  requestChecksumCalculation: 'WHEN_REQUIRED',
});
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
await app.listen({ host: '127.0.0.1', port: Number(process.env.PORT) });
