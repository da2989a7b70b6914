import AwsS3 from '@uppy/aws-s3';
import type { Body, Meta, Uppy } from '@uppy/core';

/** Uppy + @uppy/aws-s3 through the image API at `api`; a file the worker rejects counts as failed. */
export function useImageApi<M extends Meta, B extends Body>(uppy: Uppy<M, B>, api: string, token: string): void {
  const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
  const call = async (path: string, body?: object) => {
    const response = await fetch(api + path, { method: body ? 'POST' : 'GET', headers, body: JSON.stringify(body) });
    return response.ok ? response.json() : Promise.reject(new Error(`${path}: HTTP ${response.status}`));
  };
  // A file's session is kept in its meta and state, which Golden Retriever restores after a page reload.
  uppy.addPreProcessor(async (ids) => {
    for (const { id, name, type, size, meta } of uppy.getFilesByIds(ids).filter((file) => !file.meta.uploadId)) {
      const multipart = size! > 5 * 2 ** 20; // parts above S3's minimum part size: resumable
      const upload = await call('/v1/uploads', { filename: name, contentType: type, size, multipart });
      const { uploadId, key, multipart: s3Multipart } = upload; // s3Multipart {key, uploadId}: Uppy resumes it
      uppy.setFileState(id, { meta: { ...meta, uploadId, key, partSize: s3Multipart?.partSize }, s3Multipart });
    }
  });
  uppy.use(AwsS3, {
    generateObjectKey: (file) => file.meta.key as string,
    getChunkSize: ({ size }) =>
      uppy.getFiles().find((file) => file.size === size && file.meta.partSize)!.meta.partSize as number,
    signRequest: (request) => call('/v1/uploads/sign', request),
  });
  uppy.addPostProcessor(async (ids) => {
    for (const file of uppy.getFilesByIds(ids).filter((file) => !file.error)) {
      const path = `/v1/uploads/${file.meta.uploadId as string}?wait=20`;
      let state = await call(path);
      while (state.status === 'PENDING') state = await call(path);
      if (state.status !== 'READY') uppy.emit('upload-error', file, new Error(state.rejection?.detail ?? state.status));
    }
  });
}
