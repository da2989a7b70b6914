import { NetworkError } from './api.client';

export class StorageError extends Error {
  constructor(readonly status: number) {
    super(`Storage answered HTTP ${status}.`);
    this.name = 'StorageError';
  }
}

/** The upload was cancelled: not a failure to report. */
export class CancelledError extends Error {
  constructor() {
    super('Cancelled.');
    this.name = 'CancelledError';
  }
}

/** A presigned S3 request: the method, the URL and exactly the headers to set. */
export interface StorageTarget {
  method: string;
  url: string;
  headers: Record<string, string>;
}

// Browsers compute Content-Length from the body and refuse to let a script set it; the value
// they send is the size the signature binds, because the body is exactly the declared bytes.
const BROWSER_SET_HEADERS = new Set(['content-length', 'host']);

/**
 * Sends one presigned request straight to S3 with exactly the headers the API returned and
 * answers with the response's ETag (a part's, which CompleteMultipartUpload needs) and body.
 * XMLHttpRequest, not fetch: it is the one browser API that reports upload progress everywhere.
 */
export function sendToStorage(
  target: StorageTarget,
  body: Blob | string | null,
  options: { onProgress?: (sentBytes: number) => void; signal?: AbortSignal; acceptConflict?: boolean } = {},
): Promise<{ etag: string | null; text: string }> {
  return new Promise((resolve, reject) => {
    if (options.signal?.aborted) return reject(new CancelledError());
    const xhr = new XMLHttpRequest();
    xhr.open(target.method, target.url);
    for (const [name, value] of Object.entries(target.headers)) {
      if (!BROWSER_SET_HEADERS.has(name.toLowerCase())) xhr.setRequestHeader(name, value);
    }
    const onProgress = options.onProgress;
    if (onProgress) xhr.upload.addEventListener('progress', (event) => onProgress(event.loaded));
    const cancel = () => xhr.abort();
    options.signal?.addEventListener('abort', cancel, { once: true });
    const done = () => options.signal?.removeEventListener('abort', cancel);
    xhr.addEventListener('load', () => {
      done();
      if ((xhr.status >= 200 && xhr.status < 300) || (xhr.status === 412 && options.acceptConflict)) {
        if (body instanceof Blob) onProgress?.(body.size);
        resolve({ etag: xhr.getResponseHeader('etag'), text: xhr.responseText });
      } else {
        reject(new StorageError(xhr.status));
      }
    });
    // A CORS refusal looks the same as a dropped connection to a script: status 0, no details.
    xhr.addEventListener('error', () => {
      done();
      reject(new NetworkError('storage'));
    });
    xhr.addEventListener('abort', () => {
      done();
      reject(options.signal?.aborted ? new CancelledError() : new NetworkError('storage'));
    });
    xhr.send(body);
  });
}

/** A single-use presigned PUT of a whole object (the original or the thumbnail). */
export async function putToStorage(
  target: StorageTarget,
  body: Blob,
  onProgress: (sentBytes: number) => void,
  signal?: AbortSignal,
): Promise<void> {
  // 412: the key already holds a body, and upload URLs are single-use. It came through this
  // session's own URL (no other URL names the key), whose signed checksum admits only this
  // file: a retry after an earlier PUT's answer was lost. The bytes are there.
  await sendToStorage(target, body, {
    onProgress,
    signal,
    acceptConflict: Boolean(target.headers['x-amz-checksum-sha256']),
  });
}
