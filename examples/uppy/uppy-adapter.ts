import AwsS3 from '@uppy/aws-s3';
import type { Body, Meta, Uppy } from '@uppy/core';

type Signed = { url: string; headers: Record<string, string> };
type Session = { uploadId: string; key: string; original?: Signed; multipart?: { uploadId: string; partSize: number } };

/** Uppy + @uppy/aws-s3 through the image API at `api`; a file the worker rejects counts as failed. */
export function useImageApi<M extends Meta, B extends Body>(uppy: Uppy<M, B>, api: string, token: string): void {
  const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
  const call = async (path: string, body?: object) => {
    const response = await fetch(api + path, { method: body ? 'POST' : 'GET', headers, body: JSON.stringify(body) });
    return response.ok ? response.json() : Promise.reject(new Error(`${path}: HTTP ${response.status}`));
  };
  const sessions = new Map<string, Session>(); // by Uppy file id and by object key
  const partSizes = new Map<number, number>(); // getChunkSize is told the file's size only
  uppy.addPreProcessor(async (ids) => {
    for (const { id, name, type, size } of uppy.getFilesByIds(ids).filter(({ id }) => !sessions.has(id))) {
      const multipart = size! > 5 * 2 ** 20 || undefined; // parts above S3's minimum part size: resumable
      const session: Session = await call('/v1/uploads', { filename: name, contentType: type, size, multipart });
      sessions.set(id, session).set(session.key, session);
      if (!session.multipart) continue;
      partSizes.set(size!, session.multipart.partSize);
      uppy.setFileState(id, { s3Multipart: { key: session.key, uploadId: session.multipart.uploadId } });
    }
  });
  uppy.use(AwsS3, {
    shouldUseMultipart: (file) => Boolean(sessions.get(file.id)?.multipart),
    generateObjectKey: (file) => sessions.get(file.id)!.key,
    getChunkSize: ({ size }) => partSizes.get(size)!,
    signRequest: (request) =>
      'uploadId' in request ? call('/v1/uploads/sign', request) : sessions.get(request.key)!.original!,
  });
  uppy.addPostProcessor(async (ids) => {
    for (const file of uppy.getFilesByIds(ids).filter((file) => !file.error)) {
      const poll = () => call(`/v1/uploads/${sessions.get(file.id)!.uploadId}?wait=20`);
      let answer = await poll();
      while (answer.status === 'PENDING' || answer.status === 'PROCESSING') answer = await poll();
      if (answer.status !== 'READY')
        uppy.emit('upload-error', file, new Error(answer.rejection?.detail ?? answer.status));
    }
  });
}
