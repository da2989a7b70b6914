import { makeJpeg, waitFor } from '@lib/testing';
import { devToken, startTestStack, TestStack } from '../support/test-stack';

interface UploadSession {
  uploadId: string;
  original: { method: string; url: string; headers: Record<string, string> };
}

interface UploadStatusBody {
  status: string;
  image?: { width: number; height: number; bytes: number; contentType: string; originalUrl: string };
  rejection?: { code: string; detail: string };
}

describe('upload pipeline, end to end (API → S3 → forwarder → SQS → worker → Postgres)', () => {
  let stack: TestStack;
  let token: string;

  beforeAll(async () => {
    stack = await startTestStack();
    token = await devToken(stack.apiUrl, 'e2e-alice');
  });
  afterAll(() => stack.stop());

  async function createUpload(body: object): Promise<UploadSession> {
    const response = await fetch(`${stack.apiUrl}/v1/uploads`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    expect(response.status).toBe(201);
    return (await response.json()) as UploadSession;
  }

  async function putBytes(session: UploadSession, bytes: Buffer): Promise<void> {
    const response = await fetch(session.original.url, {
      method: 'PUT',
      headers: session.original.headers,
      body: new Uint8Array(bytes),
    });
    expect(response.status).toBe(200);
  }

  function settledStatus(uploadId: string): Promise<UploadStatusBody> {
    return waitFor(
      async () => {
        const response = await fetch(`${stack.apiUrl}/v1/uploads/${uploadId}`, {
          headers: { authorization: `Bearer ${token}` },
        });
        const body = (await response.json()) as UploadStatusBody;
        return body.status === 'PENDING' ? undefined : body;
      },
      { what: `upload ${uploadId} to leave PENDING` },
    );
  }

  it('walks a real JPEG from presigned PUT to READY with its dimensions and a download URL', async () => {
    const jpeg = await makeJpeg(800, 600);
    const session = await createUpload({ filename: 'holiday.jpg', contentType: 'image/jpeg', size: jpeg.length });
    expect(session.original.method).toBe('PUT');
    expect(session.original.headers).toEqual({ 'content-type': 'image/jpeg', 'content-length': String(jpeg.length) });

    await putBytes(session, jpeg);
    const status = await settledStatus(session.uploadId);

    expect(status.status).toBe('READY');
    expect(status.image).toMatchObject({ width: 800, height: 600, bytes: jpeg.length, contentType: 'image/jpeg' });
    const download = await fetch(status.image!.originalUrl);
    expect(Buffer.from(await download.arrayBuffer()).equals(jpeg)).toBe(true);
  });

  it('rejects a text file declared as a JPEG, with a reason, and removes the object', async () => {
    const text = Buffer.from('definitely not an image, just text pretending to be one\n'.repeat(10));
    const session = await createUpload({ filename: 'fake.jpg', contentType: 'image/jpeg', size: text.length });
    await putBytes(session, text);

    const status = await settledStatus(session.uploadId);

    expect(status.status).toBe('REJECTED');
    expect(status.rejection?.code).toBe('not-an-image');
    const head = await fetch(session.original.url.split('?')[0]!, { method: 'HEAD' });
    expect(head.status).toBe(404);
  });
});
