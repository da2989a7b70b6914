import { waitFor } from '@lib/testing';

export interface PresignedPut {
  method: string;
  url: string;
  headers: Record<string, string>;
}

export interface UploadSession {
  uploadId: string;
  expiresAt: string;
  key: string;
  original: PresignedPut;
  thumbnail?: PresignedPut;
}

export interface MultipartUploadSession extends Omit<UploadSession, 'original'> {
  original?: PresignedPut;
  multipart: { uploadId: string; partSize: number; partCount: number; expiresAt: string };
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
        return body.status === 'PENDING' ? undefined : body;
      },
      { what: `upload ${uploadId} to settle`, timeoutMs },
    );
  }

  /**
   * The upload's status once its served thumbnail exists. The worker stores the thumbnail it made
   * from the verified bytes only after the verdict (the rendition is saved only while its source is
   * accepted), so READY can be seen a moment before `thumbnailUrl` is set.
   */
  withThumbnail(uploadId: string, timeoutMs = 20_000): Promise<UploadStatusBody> {
    return waitFor(
      async () => {
        const body = await this.status(uploadId);
        return body.image?.thumbnailUrl ? body : undefined;
      },
      { what: `a served thumbnail of upload ${uploadId}`, timeoutMs },
    );
  }

  /** POST /v1/uploads/sign: one S3 request of a session, signed. */
  async sign(body: object): Promise<PresignedPut> {
    const response = await this.request('POST', '/v1/uploads/sign', body);
    if (response.status !== 200) throw new Error(`POST /v1/uploads/sign: ${response.status} ${await response.text()}`);
    return (await response.json()) as PresignedPut;
  }

  /**
   * A multipart upload as any client of the protocol sends it: a session asked for, every part
   * signed and PUT straight to S3, then the completion signed and POSTed. Resolves to the session
   * and S3's answer to the completion.
   */
  async uploadInParts(
    bytes: Buffer,
    contentType: string,
    extra: object = {},
  ): Promise<{ session: MultipartUploadSession; completion: Response }> {
    const created = await this.request('POST', '/v1/uploads', {
      filename: 'original',
      contentType,
      size: bytes.length,
      multipart: true,
      ...extra,
    });
    if (created.status !== 201) throw new Error(`POST /v1/uploads: ${created.status} ${await created.text()}`);
    const session = (await created.json()) as MultipartUploadSession;
    const { uploadId, partSize, partCount } = session.multipart;
    const parts: string[] = [];
    for (let n = 1; n <= partCount; n++) {
      const signed = await this.sign({ method: 'PUT', key: session.key, uploadId, partNumber: n });
      const part = bytes.subarray((n - 1) * partSize, n * partSize);
      const response = await fetch(signed.url, { method: 'PUT', headers: signed.headers, body: new Uint8Array(part) });
      if (response.status !== 200) throw new Error(`UploadPart ${n}: ${response.status} ${await response.text()}`);
      parts.push(`<Part><PartNumber>${n}</PartNumber><ETag>${response.headers.get('etag')}</ETag></Part>`);
    }
    const signed = await this.sign({ method: 'POST', key: session.key, uploadId });
    const completion = await fetch(signed.url, {
      method: 'POST',
      headers: { 'content-type': 'application/xml', ...signed.headers },
      body: `<CompleteMultipartUpload>${parts.join('')}</CompleteMultipartUpload>`,
    });
    return { session, completion };
  }
}
