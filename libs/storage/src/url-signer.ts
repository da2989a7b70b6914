import { createHash, createHmac } from 'node:crypto';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@aws-sdk/types';
import type { AwsConfig } from '@lib/config';
import { encodeKey, formatLocation, objectLocation } from './object-url';

export interface PresignPutInput {
  bucket: string;
  key: string;
  contentType: string;
  contentLength: number;
  /** Base64 SHA-256 of the body; when given, S3 refuses any other body. */
  checksumSha256?: string;
  expiresInSeconds: number;
}

/** One part of an S3 multipart upload (UploadPart). */
export interface PresignPartInput {
  bucket: string;
  key: string;
  /** S3's multipart upload id. */
  uploadId: string;
  partNumber: number;
  /** The part's exact size: S3 refuses a longer or shorter body. */
  contentLength: number;
  checksumSha256?: string;
  expiresInSeconds: number;
}

/** CompleteMultipartUpload, bound to the object size the parts must add up to. */
export interface PresignCompleteInput {
  bucket: string;
  key: string;
  uploadId: string;
  objectSize: number;
  expiresInSeconds: number;
}

export type SignedMethod = 'PUT' | 'GET' | 'POST' | 'DELETE';

export interface PresignedRequest {
  method: SignedMethod;
  url: string;
  /** Exactly the headers the client must set itself (each of them is signed). */
  headers: Record<string, string>;
  /**
   * Every header the signature binds besides `host`: `headers` and Content-Length, which is
   * signed but not listed, since every HTTP client sends it from the body and browsers refuse
   * to let a script set it.
   */
  signedHeaders: Record<string, string>;
}

const ALGORITHM = 'AWS4-HMAC-SHA256';
const UNSIGNED_PAYLOAD = 'UNSIGNED-PAYLOAD';
/** Refresh temporary credentials (ECS task roles) this long before they expire. */
const CREDENTIAL_REFRESH_MS = 5 * 60 * 1000;

function rfc3986(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());
}

function hmac(key: string | Buffer, data: string): Buffer {
  return createHmac('sha256', key).update(data).digest();
}

/**
 * SigV4 query-string signing (AWS "presigned URL") for S3, written for the hot path of
 * POST /v1/uploads. The SDK's presigner builds a command and runs its middleware stack per
 * URL; this derives the signing key once per day and credentials, so one URL costs one SHA-256
 * and two HMACs. Its output is checked against an independent SigV4 computation in the spec.
 */
export class UrlSigner {
  private readonly credentials: AwsCredentialIdentityProvider;
  private cached?: { identity: AwsCredentialIdentity; fetchedAt: number };
  private signingKey?: { scopeDay: string; accessKeyId: string; key: Buffer };
  // Per-URL work that only changes with the bucket, the second or the credentials is done once
  // and kept: the bucket's URL prefix and host, the signing second's date and scope, and the
  // canonical query of the last (second, lifetime, signed headers, credentials) signed.
  private readonly buckets = new Map<string, { prefix: string; host: string; path: string }>();
  private second?: { epochSecond: number; amzDate: string; scopeDay: string; scope: string };
  private query?: { memo: string; canonical: string };

  constructor(
    private readonly aws: AwsConfig,
    credentials: AwsCredentialIdentity | AwsCredentialIdentityProvider,
  ) {
    this.credentials = typeof credentials === 'function' ? credentials : async () => credentials;
  }

  /**
   * A single-use upload URL: besides the body's type, length and checksum it signs
   * `If-None-Match: *`, so S3 itself refuses (412) a second write to the key, whether by this URL
   * or another one for the same key (S3 conditional writes).
   */
  async presignPut(input: PresignPutInput, signingDate?: Date): Promise<PresignedRequest> {
    const headers: Record<string, string> = { 'content-type': input.contentType, 'if-none-match': '*' };
    if (input.checksumSha256) headers['x-amz-checksum-sha256'] = input.checksumSha256;
    const signedHeaders = { ...headers, 'content-length': String(input.contentLength) };
    const url = await this.presign('PUT', input.bucket, input.key, signedHeaders, input.expiresInSeconds, signingDate);
    return { method: 'PUT', url, headers, signedHeaders };
  }

  /**
   * UploadPart for one part of one session: the key, S3's upload id and the part number are in
   * the signed query, and the part's exact length (and checksum, when given) in the signed
   * headers, so the URL is good for that part of that session only.
   */
  async presignUploadPart(input: PresignPartInput, signingDate?: Date): Promise<PresignedRequest> {
    const headers: Record<string, string> = {};
    if (input.checksumSha256) headers['x-amz-checksum-sha256'] = input.checksumSha256;
    const signedHeaders = { ...headers, 'content-length': String(input.contentLength) };
    const url = await this.presign('PUT', input.bucket, input.key, signedHeaders, input.expiresInSeconds, signingDate, [
      ['partNumber', String(input.partNumber)],
      ['uploadId', input.uploadId],
    ]);
    return { method: 'PUT', url, headers, signedHeaders };
  }

  /**
   * ListParts (GET: a client resuming learns which parts S3 already holds) or
   * AbortMultipartUpload (DELETE) of one session: no header to set, the upload id in the query.
   */
  async presignSessionRequest(
    method: 'GET' | 'DELETE',
    input: { bucket: string; key: string; uploadId: string; expiresInSeconds: number },
    signingDate?: Date,
  ): Promise<PresignedRequest> {
    const { bucket, key, uploadId, expiresInSeconds } = input;
    const url = await this.presign(method, bucket, key, {}, expiresInSeconds, signingDate, [['uploadId', uploadId]]);
    return { method, url, headers: {}, signedHeaders: {} };
  }

  /**
   * CompleteMultipartUpload signing `x-amz-mp-object-size` (S3 refuses a completion whose parts
   * add up to another size) and `If-None-Match: *` (like the single PUT, it cannot replace an
   * object already stored under the key).
   */
  async presignCompleteMultipart(input: PresignCompleteInput, signingDate?: Date): Promise<PresignedRequest> {
    const headers = { 'if-none-match': '*', 'x-amz-mp-object-size': String(input.objectSize) };
    const url = await this.presign('POST', input.bucket, input.key, headers, input.expiresInSeconds, signingDate, [
      ['uploadId', input.uploadId],
    ]);
    return { method: 'POST', url, headers, signedHeaders: headers };
  }

  /**
   * S3 answers the GET with `Cache-Control: private, max-age=<the URL's lifetime>` (a signed
   * `response-cache-control` override), so no cache keeps the bytes longer than the URL lives.
   */
  presignGet(bucket: string, key: string, expiresInSeconds: number, signingDate?: Date): Promise<string> {
    return this.presign('GET', bucket, key, {}, expiresInSeconds, signingDate, [
      ['response-cache-control', `private, max-age=${expiresInSeconds}`],
    ]);
  }

  private async identity(): Promise<AwsCredentialIdentity> {
    const now = Date.now();
    const cached = this.cached;
    const expiring = cached?.identity.expiration && cached.identity.expiration.getTime() - now < CREDENTIAL_REFRESH_MS;
    if (cached && !expiring) return cached.identity;
    const identity = await this.credentials();
    this.cached = { identity, fetchedAt: now };
    return identity;
  }

  private key(identity: AwsCredentialIdentity, scopeDay: string): Buffer {
    const current = this.signingKey;
    if (current && current.scopeDay === scopeDay && current.accessKeyId === identity.accessKeyId) return current.key;
    const key = hmac(
      hmac(hmac(hmac('AWS4' + identity.secretAccessKey, scopeDay), this.aws.region), 's3'),
      'aws4_request',
    );
    this.signingKey = { scopeDay, accessKeyId: identity.accessKeyId, key };
    return key;
  }

  private bucket(bucket: string): { prefix: string; host: string; path: string } {
    let known = this.buckets.get(bucket);
    if (!known) {
      // objectLocation of an empty key: the bucket's URL up to the key's first character.
      const location = objectLocation(this.aws, bucket, '');
      known = {
        prefix: formatLocation(location),
        host: location.port ? `${location.hostname}:${location.port}` : location.hostname,
        path: location.path,
      };
      this.buckets.set(bucket, known);
    }
    return known;
  }

  private dateParts(signingDate: Date): { amzDate: string; scopeDay: string; scope: string } {
    const epochSecond = Math.floor(signingDate.getTime() / 1000);
    if (this.second?.epochSecond === epochSecond) return this.second;
    const amzDate = signingDate
      .toISOString()
      .replace(/[-:]/g, '')
      .replace(/\.\d{3}/, '');
    const scopeDay = amzDate.slice(0, 8);
    this.second = { epochSecond, amzDate, scopeDay, scope: `${scopeDay}/${this.aws.region}/s3/aws4_request` };
    return this.second;
  }

  private canonicalQuery(
    identity: AwsCredentialIdentity,
    amzDate: string,
    scope: string,
    expiresIn: number,
    signedHeaders: string,
    extraQuery: Array<[string, string]>,
  ): string {
    // Only URLs without extra parameters (every PUT) share a query; the key names all it depends on.
    const memo =
      extraQuery.length === 0
        ? `${amzDate}|${expiresIn}|${signedHeaders}|${identity.accessKeyId}|${identity.sessionToken ?? ''}`
        : undefined;
    if (memo !== undefined && this.query?.memo === memo) return this.query.canonical;
    const query: Array<[string, string]> = [
      ['X-Amz-Algorithm', ALGORITHM],
      ['X-Amz-Content-Sha256', UNSIGNED_PAYLOAD],
      ['X-Amz-Credential', `${identity.accessKeyId}/${scope}`],
      ['X-Amz-Date', amzDate],
      ['X-Amz-Expires', String(expiresIn)],
      ...(identity.sessionToken ? ([['X-Amz-Security-Token', identity.sessionToken]] as Array<[string, string]>) : []),
      ['X-Amz-SignedHeaders', signedHeaders],
      ...extraQuery,
    ];
    const canonical = query
      .map(([name, value]) => `${rfc3986(name)}=${rfc3986(value)}`)
      .sort()
      .join('&');
    if (memo !== undefined) this.query = { memo, canonical };
    return canonical;
  }

  private async presign(
    method: SignedMethod,
    bucket: string,
    key: string,
    clientHeaders: Record<string, string>,
    expiresIn: number,
    signingDate = new Date(),
    extraQuery: Array<[string, string]> = [],
  ): Promise<string> {
    const identity = await this.identity();
    const location = this.bucket(bucket);
    const encodedKey = encodeKey(key);
    const { amzDate, scopeDay, scope } = this.dateParts(signingDate);

    // Content type, length, checksum and the write condition are signed as headers (not query
    // parameters), so S3 refuses a body other than the one declared, and a request without them.
    const headers: Record<string, string> = { ...clientHeaders, host: location.host };
    const names = Object.keys(headers).sort();
    const signedHeaders = names.join(';');
    const canonicalQuery = this.canonicalQuery(identity, amzDate, scope, expiresIn, signedHeaders, extraQuery);
    const canonicalRequest = [
      method,
      location.path + encodedKey,
      canonicalQuery,
      names.map((name) => `${name}:${headers[name]!.trim()}\n`).join(''),
      signedHeaders,
      UNSIGNED_PAYLOAD,
    ].join('\n');
    const stringToSign = [ALGORITHM, amzDate, scope, createHash('sha256').update(canonicalRequest).digest('hex')].join(
      '\n',
    );
    const signature = createHmac('sha256', this.key(identity, scopeDay)).update(stringToSign).digest('hex');
    return `${location.prefix}${encodedKey}?${canonicalQuery}&X-Amz-Signature=${signature}`;
  }
}
