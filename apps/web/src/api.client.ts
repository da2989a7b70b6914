import type { RejectionReason } from '../../../libs/contracts/src/upload.contract';

/** RFC 9457 problem document, as every API error is shaped. */
export interface Problem {
  type?: string;
  title?: string;
  status: number;
  detail?: string;
  code?: string;
  errors?: { field: string; message: string }[];
}

export interface PresignedPut {
  method: 'PUT';
  url: string;
  headers: Record<string, string>;
}

export interface UploadRequest {
  filename: string;
  contentType: string;
  size: number;
  checksumSha256?: string;
  thumbnail?: { contentType: string; size: number; checksumSha256?: string };
  /** Ask for a multipart session (the API offers one anyway above its threshold). */
  multipart?: boolean;
}

/** An S3 multipart upload the API created for this upload; each request is signed by POST /v1/uploads/sign. */
export interface MultipartSession {
  /** S3's UploadId, not the API's uploadId. */
  uploadId: string;
  partSize: number;
  partCount: number;
  expiresAt: string;
}

export interface UploadSession {
  uploadId: string;
  expiresAt: string;
  /** The original's object key. */
  key: string;
  /** A single PUT; absent when the size allows multipart only. */
  original?: PresignedPut;
  thumbnail?: PresignedPut;
  multipart?: MultipartSession;
}

/** One S3 request of a multipart session, as @uppy/aws-s3 hands it to its signRequest hook. */
export interface SignRequest {
  method: 'PUT' | 'GET' | 'POST' | 'DELETE';
  key: string;
  uploadId: string;
  partNumber?: number;
}

export interface SignedRequest {
  method: SignRequest['method'];
  url: string;
  headers: Record<string, string>;
}

export interface Image {
  id: string;
  uploadId: string;
  contentType: string;
  bytes: number;
  width: number;
  height: number;
  originalUrl: string;
  thumbnailUrl: string | null;
  createdAt: string;
}

export interface UploadStatus {
  uploadId: string;
  status: 'PENDING' | 'READY' | 'REJECTED' | 'EXPIRED';
  image?: Image;
  rejection?: { code: RejectionReason | string; detail: string };
}

export interface ImagePage {
  items: Image[];
  nextCursor: string | null;
}

export class ApiError extends Error {
  constructor(
    readonly problem: Problem,
    readonly retryAfterSeconds: number | undefined,
  ) {
    super(problem.detail ?? problem.title ?? `HTTP ${problem.status}`);
    this.name = 'ApiError';
  }
}

/** The request never got an HTTP answer: offline, server down, or blocked (CORS, CSP). */
export class NetworkError extends Error {
  constructor(readonly target: 'server' | 'storage') {
    super(target === 'server' ? 'Could not reach the server.' : 'Could not reach the storage service.');
    this.name = 'NetworkError';
  }
}

/** The same-origin API. A 401 anywhere means the token is gone or expired: the app signs out. */
export class ApiClient {
  private token: string | null = null;

  constructor(private readonly onUnauthorized: () => void) {}

  setToken(token: string | null): void {
    this.token = token;
  }

  devToken(userId: string): Promise<{ token: string; expiresAt: string }> {
    return this.request('POST', '/v1/dev/token', { userId });
  }

  createUpload(body: UploadRequest, idempotencyKey: string): Promise<UploadSession> {
    return this.request('POST', '/v1/uploads', body, { 'idempotency-key': idempotencyKey });
  }

  sign(request: SignRequest): Promise<SignedRequest> {
    return this.request('POST', '/v1/uploads/sign', request);
  }

  /** With `waitSeconds`, the API holds the request until the worker has decided (long-poll). */
  uploadStatus(uploadId: string, waitSeconds = 0): Promise<UploadStatus> {
    const wait = waitSeconds > 0 ? `?wait=${waitSeconds}` : '';
    return this.request('GET', `/v1/uploads/${encodeURIComponent(uploadId)}${wait}`);
  }

  listImages(cursor: string | null, limit = 24): Promise<ImagePage> {
    const query = new URLSearchParams({ limit: String(limit) });
    if (cursor) query.set('cursor', cursor);
    return this.request('GET', `/v1/images?${query}`);
  }

  deleteImage(imageId: string): Promise<void> {
    return this.request('DELETE', `/v1/images/${encodeURIComponent(imageId)}`);
  }

  private async request<T>(
    method: string,
    path: string,
    body?: unknown,
    extra: Record<string, string> = {},
  ): Promise<T> {
    const headers: Record<string, string> = { accept: 'application/json, application/problem+json', ...extra };
    if (this.token) headers.authorization = `Bearer ${this.token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    let response: Response;
    try {
      response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    } catch {
      throw new NetworkError('server');
    }
    if (response.status === 401 && this.token) this.onUnauthorized();
    if (!response.ok) throw new ApiError(await readProblem(response), retryAfter(response));
    if (response.status === 204) return undefined as T;
    return (await response.json()) as T;
  }
}

async function readProblem(response: Response): Promise<Problem> {
  try {
    const body = (await response.json()) as Partial<Problem>;
    return { ...body, status: response.status };
  } catch {
    // A proxy or a crash page, not the API: keep what HTTP itself says.
    return { status: response.status, title: response.statusText };
  }
}

function retryAfter(response: Response): number | undefined {
  const seconds = Number(response.headers.get('retry-after'));
  return Number.isFinite(seconds) && seconds > 0 ? seconds : undefined;
}
