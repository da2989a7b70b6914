import { waitFor } from '@lib/testing';

export interface PresignedPut {
  method: string;
  url: string;
  headers: Record<string, string>;
}

export interface UploadSession {
  uploadId: string;
  expiresAt: string;
  original: PresignedPut;
  thumbnail?: PresignedPut;
}

export interface ImageBody {
  id: string;
  uploadId: string;
  width: number;
  height: number;
  bytes: number;
  contentType: string;
  originalUrl: string;
  thumbnailUrl: string | null;
  createdAt: string;
  renditions: Record<string, string | null>;
}

export interface UploadStatusBody {
  uploadId: string;
  status: string;
  image?: ImageBody;
  rejection?: { code: string; detail: string };
}

/** A client of the real API over HTTP, as a web or mobile app would use it. */
export class ApiClient {
  constructor(
    readonly baseUrl: string,
    readonly token: string,
  ) {}

  request(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Response> {
    return fetch(`${this.baseUrl}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${this.token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...headers,
      },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
  }

  async createUpload(body: object): Promise<UploadSession> {
    const response = await this.request('POST', '/v1/uploads', body);
    if (response.status !== 201) throw new Error(`POST /v1/uploads: ${response.status} ${await response.text()}`);
    return (await response.json()) as UploadSession;
  }

  /** PUTs bytes straight to S3 with exactly the headers the API returned. */
  async put(target: PresignedPut, bytes: Buffer): Promise<Response> {
    return fetch(target.url, { method: 'PUT', headers: target.headers, body: new Uint8Array(bytes) });
  }

  async upload(bytes: Buffer, contentType: string, extra: object = {}): Promise<UploadSession> {
    const session = await this.createUpload({ filename: 'file', contentType, size: bytes.length, ...extra });
    const response = await this.put(session.original, bytes);
    if (response.status !== 200) throw new Error(`PUT to S3: ${response.status}`);
    return session;
  }

  async status(uploadId: string): Promise<UploadStatusBody> {
    const response = await this.request('GET', `/v1/uploads/${uploadId}`);
    return (await response.json()) as UploadStatusBody;
  }

  settled(uploadId: string, timeoutMs = 20_000): Promise<UploadStatusBody> {
    return waitFor(
      async () => {
        const body = await this.status(uploadId);
        return body.status === 'PENDING' || body.status === 'PROCESSING' ? undefined : body;
      },
      { what: `upload ${uploadId} to settle`, timeoutMs },
    );
  }
}
