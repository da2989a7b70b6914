import { NetworkError, type PresignedPut } from './api.client';

export class StorageError extends Error {
  constructor(readonly status: number) {
    super(`Storage answered HTTP ${status}.`);
    this.name = 'StorageError';
  }
}

// Browsers compute Content-Length from the body and refuse to let a script set it; the value
// they send is the size the signature binds, because the body is exactly the declared file.
const BROWSER_SET_HEADERS = new Set(['content-length', 'host']);

/**
 * PUTs the bytes straight to S3 with exactly the headers the API returned. XMLHttpRequest,
 * not fetch: it is the one browser API that reports upload progress everywhere.
 */
export function putToStorage(target: PresignedPut, body: Blob, onProgress: (sentBytes: number) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open(target.method, target.url);
    for (const [name, value] of Object.entries(target.headers)) {
      if (!BROWSER_SET_HEADERS.has(name.toLowerCase())) xhr.setRequestHeader(name, value);
    }
    xhr.upload.addEventListener('progress', (event) => onProgress(event.loaded));
    xhr.addEventListener('load', () => {
      // 412: the key already holds a body, and upload URLs are single-use. It came through this
      // session's own URL (no other URL names the key), whose signed checksum admits only this
      // file: a retry after an earlier PUT's answer was lost. The bytes are there.
      if ((xhr.status >= 200 && xhr.status < 300) || (xhr.status === 412 && target.headers['x-amz-checksum-sha256'])) {
        onProgress(body.size);
        resolve();
      } else {
        reject(new StorageError(xhr.status));
      }
    });
    // A CORS refusal looks the same as a dropped connection to a script: status 0, no details.
    xhr.addEventListener('error', () => reject(new NetworkError('storage')));
    xhr.addEventListener('abort', () => reject(new NetworkError('storage')));
    xhr.send(body);
  });
}
