import AwsS3 from '@uppy/aws-s3';
import type { Body, Meta, Uppy } from '@uppy/core';

/** Uppy + @uppy/aws-s3 through the image API at `api`; a file the worker rejects counts as failed. */
export function useImageApi<M extends Meta, B extends Body>(uppy: Uppy<M, B>, api: string, token: string): void {
  const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
  const call = async (path: string, body?: object) => {
    const response = await fetch(api + path, { method: body ? 'POST' : 'GET', headers, body: JSON.stringify(body) });
    return response.ok ? response.json() : Promise.reject(new Error(`${path}: HTTP ${response.status}`));
  };
  const sessions = new Map<string, { uploadId: string; key: string }>(); // by Uppy file id
  const partSizes = new Map<number, number>(); // getChunkSize is told the file's size only
  uppy.addPreProcessor(async (ids) => {
    for (const { id, name, type, size } of uppy.getFilesByIds(ids).filter(({ id }) => !sessions.has(id))) {
      const multipart = size! > 5 * 2 ** 20; // parts above S3's minimum part size: resumable
      const session = await call('/v1/uploads', { filename: name, contentType: type, size, multipart });
      sessions.set(id, session);
      if (multipart) partSizes.set(size!, session.multipart.partSize);
      uppy.setFileState(id, { s3Multipart: session.multipart }); // {key, uploadId}: Uppy resumes it
    }
  });
  uppy.use(AwsS3, {
    generateObjectKey: (file) => sessions.get(file.id)!.key,
    getChunkSize: ({ size }) => partSizes.get(size)!,
    signRequest: (request) => call('/v1/uploads/sign', request),
  });
  uppy.addPostProcessor(async (ids) => {
    for (const file of uppy.getFilesByIds(ids).filter((file) => !file.error)) {
      const path = `/v1/uploads/${sessions.get(file.id)!.uploadId}?wait=20`;
      let state = await call(path);
      while (state.status === 'PENDING' || state.status === 'PROCESSING') state = await call(path);
      if (state.status !== 'READY') uppy.emit('upload-error', file, new Error(state.rejection?.detail ?? state.status));
    }
  });
}
