import { makeJpeg } from '@lib/testing';
import { ApiClient } from '../support/api-client';
import { devToken, startTestStack, TestStack } from '../support/test-stack';

describe('upload pipeline, end to end (API → S3 → forwarder → SQS → worker → Postgres)', () => {
  let stack: TestStack;
  let client: ApiClient;

  beforeAll(async () => {
    stack = await startTestStack();
    client = new ApiClient(stack.apiUrl, await devToken(stack.apiUrl, 'e2e-alice'));
  });
  afterAll(() => stack.stop());

  it('walks a real JPEG from presigned PUT to READY with its dimensions and a download URL', async () => {
    const jpeg = await makeJpeg(800, 600);
    const session = await client.createUpload({
      filename: 'holiday.jpg',
      contentType: 'image/jpeg',
      size: jpeg.length,
    });
    expect(session.original.method).toBe('PUT');
    expect(session.original.headers).toEqual({ 'content-type': 'image/jpeg', 'if-none-match': '*' });

    expect((await client.put(session.original, jpeg)).status).toBe(200);
    const status = await client.settled(session.uploadId);

    expect(status.status).toBe('READY');
    expect(status.image).toMatchObject({ width: 800, height: 600, bytes: jpeg.length, contentType: 'image/jpeg' });
    const download = await fetch(status.image!.originalUrl);
    expect(Buffer.from(await download.arrayBuffer()).equals(jpeg)).toBe(true);
  });

  it('rejects a text file declared as a JPEG, with a reason, and removes the object', async () => {
    const text = Buffer.from('definitely not an image, just text pretending to be one\n'.repeat(10));
    const session = await client.upload(text, 'image/jpeg');

    const status = await client.settled(session.uploadId);

    expect(status.status).toBe('REJECTED');
    expect(status.rejection?.code).toBe('not-an-image');
    const head = await fetch(session.original.url.split('?')[0]!, { method: 'HEAD' });
    expect(head.status).toBe(404);
  });
});
