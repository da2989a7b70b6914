import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@aws-sdk/types';
import { Hash } from '@smithy/hash-node';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import type { AwsConfig } from '@lib/config';
import { formatLocation, objectLocation } from './object-url';

export interface PresignPutInput {
  bucket: string;
  key: string;
  contentType: string;
  contentLength: number;
  /** Base64 SHA-256 of the body; when given, S3 refuses any other body. */
  checksumSha256?: string;
  expiresInSeconds: number;
}

export interface PresignedRequest {
  method: 'PUT' | 'GET';
  url: string;
  /** Exactly the headers the client must send (they are part of the signature). */
  headers: Record<string, string>;
}

const UNSIGNED_PAYLOAD = 'UNSIGNED-PAYLOAD';

function escapeQuery(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());
}

/**
 * Presigns S3 requests with the SDK's own SigV4 signer, without building an S3 command per
 * request: the client middleware stack is what made getSignedUrl slow, and the signer caches
 * the derived signing key per day, so each URL costs two HMACs and a hash.
 */
export class UrlSigner {
  private readonly signer: SignatureV4;

  constructor(
    private readonly aws: AwsConfig,
    credentials: AwsCredentialIdentity | AwsCredentialIdentityProvider,
  ) {
    this.signer = new SignatureV4({
      service: 's3',
      region: aws.region,
      credentials,
      sha256: Hash.bind(null, 'sha256'),
      // S3 signs the path as sent; objectLocation already escaped each segment.
      uriEscapePath: false,
      applyChecksum: false,
    });
  }

  async presignPut(input: PresignPutInput, signingDate?: Date): Promise<PresignedRequest> {
    const clientHeaders: Record<string, string> = {
      'content-type': input.contentType,
      'content-length': String(input.contentLength),
    };
    if (input.checksumSha256) clientHeaders['x-amz-checksum-sha256'] = input.checksumSha256;
    const url = await this.presign('PUT', input.bucket, input.key, clientHeaders, input.expiresInSeconds, signingDate);
    return { method: 'PUT', url, headers: clientHeaders };
  }

  async presignGet(bucket: string, key: string, expiresInSeconds: number, signingDate?: Date): Promise<string> {
    return this.presign('GET', bucket, key, {}, expiresInSeconds, signingDate);
  }

  private async presign(
    method: 'PUT' | 'GET',
    bucket: string,
    key: string,
    clientHeaders: Record<string, string>,
    expiresIn: number,
    signingDate?: Date,
  ): Promise<string> {
    const location = objectLocation(this.aws, bucket, key);
    const host = location.port ? `${location.hostname}:${location.port}` : location.hostname;
    const request = new HttpRequest({
      method,
      protocol: location.protocol,
      hostname: location.hostname,
      port: location.port,
      path: location.path,
      headers: { host, ...clientHeaders, 'X-Amz-Content-Sha256': UNSIGNED_PAYLOAD },
    });
    const signed = await this.signer.presign(request, {
      expiresIn,
      signingDate,
      // Without these, the signer would drop content-length/type from SignedHeaders or move
      // the checksum into the query string, and S3 would accept any body.
      signableHeaders: new Set(Object.keys(clientHeaders)),
      unhoistableHeaders: new Set(Object.keys(clientHeaders)),
    });
    const query = Object.entries(signed.query ?? {})
      .map(([name, value]) => `${escapeQuery(name)}=${escapeQuery(String(value))}`)
      .join('&');
    return `${formatLocation(location)}?${query}`;
  }
}
