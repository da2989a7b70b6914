import { createHash, createHmac } from 'node:crypto';
import { Hash } from '@smithy/hash-node';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import { UrlSigner } from './url-signer';

const credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string } = {
  accessKeyId: 'AKIDEXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
};
const signingDate = new Date('2026-11-22T12:00:00Z');
const checksum = 'n4bQgYhMfWWaL+qgxVrQFaO/TxsrC4Is0V1sFbDwCgg=';

const rfc3986 = (value: string) =>
  encodeURIComponent(value).replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());

/** SigV4 query-string signing written out from the AWS documentation, as an oracle. */
function referenceSignature(method: string, url: URL, headers: Record<string, string>): string {
  const params = [...url.searchParams.entries()].filter(([name]) => name !== 'X-Amz-Signature');
  const query = params
    .map(([name, value]) => [rfc3986(name), rfc3986(value)])
    .sort(([a], [b]) => (a! < b! ? -1 : 1))
    .map(([name, value]) => `${name}=${value}`)
    .join('&');
  const signed = url.searchParams.get('X-Amz-SignedHeaders')!.split(';');
  const all: Record<string, string> = { ...headers, host: url.host };
  const canonicalHeaders = signed.map((name) => `${name}:${all[name]}\n`).join('');
  const canonicalRequest = [method, url.pathname, query, canonicalHeaders, signed.join(';'), 'UNSIGNED-PAYLOAD'].join(
    '\n',
  );
  const amzDate = url.searchParams.get('X-Amz-Date')!;
  const [, day, region, service] = url.searchParams.get('X-Amz-Credential')!.split('/');
  const scope = `${day}/${region}/${service}/aws4_request`;
  const stringToSign = [
    'AWS4-HMAC-SHA256',
    amzDate,
    scope,
    createHash('sha256').update(canonicalRequest).digest('hex'),
  ].join('\n');
  const hmac = (key: string | Buffer, data: string) => createHmac('sha256', key).update(data).digest();
  const key = hmac(hmac(hmac(hmac('AWS4' + credentials.secretAccessKey, day!), region!), service!), 'aws4_request');
  return createHmac('sha256', key).update(stringToSign).digest('hex');
}

function signedHeaders(url: string): string[] {
  return new URL(url).searchParams.get('X-Amz-SignedHeaders')!.split(';');
}

describe('UrlSigner', () => {
  const aws = { region: 'eu-west-1', forcePathStyle: false };
  const signer = new UrlSigner(aws, credentials);
  const sdkSigner = () =>
    new SignatureV4({
      service: 's3',
      region: aws.region,
      credentials,
      sha256: Hash.bind(null, 'sha256'),
      uriEscapePath: false,
      applyChecksum: false,
    });

  it('binds content-type, content-length, the checksum and If-None-Match into the signature', async () => {
    const put = await signer.presignPut(
      {
        bucket: 'originals',
        key: 'originals/alice/1b4e28ba-2fa1-41d2-883f-0016d3cca427',
        contentType: 'image/jpeg',
        contentLength: 12345,
        checksumSha256: checksum,
        expiresInSeconds: 300,
      },
      signingDate,
    );
    expect(signedHeaders(put.url)).toEqual([
      'content-length',
      'content-type',
      'host',
      'if-none-match',
      'x-amz-checksum-sha256',
    ]);
    // What the client sets itself: Content-Length is signed, but every client sends it from the body.
    expect(put.headers).toEqual({
      'content-type': 'image/jpeg',
      'if-none-match': '*',
      'x-amz-checksum-sha256': checksum,
    });
    expect(put.signedHeaders).toEqual({ ...put.headers, 'content-length': '12345' });
    // The checksum must travel as a header (bound to the body), not as a query parameter.
    expect(new URL(put.url).searchParams.has('x-amz-checksum-sha256')).toBe(false);
    expect(new URL(put.url).searchParams.get('X-Amz-Expires')).toBe('300');
  });

  it('produces a signature that an independent SigV4 computation agrees with', async () => {
    const put = await signer.presignPut(
      {
        bucket: 'originals',
        key: 'originals/bob|x/1b4e28ba-2fa1-41d2-883f-0016d3cca427',
        contentType: 'image/png',
        contentLength: 42,
        checksumSha256: checksum,
        expiresInSeconds: 120,
      },
      signingDate,
    );
    const url = new URL(put.url);
    expect(url.searchParams.get('X-Amz-Signature')).toBe(referenceSignature('PUT', url, put.signedHeaders));
  });

  it('signs each URL for itself when one signer makes many in the same second (what it keeps per second)', async () => {
    const inputs = [
      { bucket: 'originals', key: 'originals/a/1', contentType: 'image/jpeg', contentLength: 1, expiresInSeconds: 300 },
      { bucket: 'thumbs', key: 'thumbnails/a/1', contentType: 'image/webp', contentLength: 2, expiresInSeconds: 300 },
      { bucket: 'originals', key: 'originals/a/2', contentType: 'image/png', contentLength: 3, expiresInSeconds: 299 },
      { ...{ bucket: 'originals', key: 'originals/a/3', contentType: 'image/png', contentLength: 4 } },
    ].map((input, i) => ({ expiresInSeconds: 60, ...input, ...(i === 3 ? { checksumSha256: checksum } : {}) }));
    const busy = new UrlSigner(aws, credentials);
    const later = new Date(signingDate.getTime() + 999);
    for (const input of inputs) {
      const url = new URL((await busy.presignPut(input, later)).url);
      const fresh = await new UrlSigner(aws, credentials).presignPut(input, later);
      expect(url.toString()).toBe(fresh.url);
      expect(url.pathname).toBe(`/${input.key}`);
      expect(url.hostname).toBe(`${input.bucket}.s3.eu-west-1.amazonaws.com`);
      expect(url.searchParams.get('X-Amz-Expires')).toBe(String(input.expiresInSeconds));
      expect(url.searchParams.get('X-Amz-Signature')).toBe(referenceSignature('PUT', url, fresh.signedHeaders));
    }
    const nextSecond = new URL((await busy.presignPut(inputs[0]!, new Date(signingDate.getTime() + 1000))).url);
    expect(nextSecond.searchParams.get('X-Amz-Date')).not.toBe(
      new URL((await busy.presignPut(inputs[0]!, later)).url).searchParams.get('X-Amz-Date'),
    );
  });

  it.each([
    ['long-term credentials', credentials],
    ['temporary credentials (session token)', { ...credentials, sessionToken: 'FwoGZXIvYXdzEXAMPLE/token+=' }],
  ])("agrees with the AWS SDK's own SigV4 signer (%s)", async (_name, identity) => {
    const ours = await new UrlSigner(aws, identity).presignPut(
      {
        bucket: 'originals',
        key: 'originals/dan@x.io/1b4e28ba-2fa1-41d2-883f-0016d3cca427',
        contentType: 'image/webp',
        contentLength: 777,
        checksumSha256: checksum,
        expiresInSeconds: 300,
      },
      signingDate,
    );
    const url = new URL(ours.url);
    const sdk = new SignatureV4({
      service: 's3',
      region: aws.region,
      credentials: identity,
      sha256: Hash.bind(null, 'sha256'),
      uriEscapePath: false,
      applyChecksum: false,
    });
    const names = new Set(Object.keys(ours.signedHeaders));
    const signed = await sdk.presign(
      new HttpRequest({
        method: 'PUT',
        protocol: 'https:',
        hostname: url.hostname,
        path: url.pathname,
        headers: { host: url.host, ...ours.signedHeaders, 'X-Amz-Content-Sha256': 'UNSIGNED-PAYLOAD' },
      }),
      { expiresIn: 300, signingDate, signableHeaders: names, unhoistableHeaders: names },
    );
    expect(url.searchParams.get('X-Amz-Signature')).toBe(signed.query!['X-Amz-Signature']);
    expect(url.searchParams.get('X-Amz-Security-Token')).toBe(identity.sessionToken ?? null);
  });

  it('makes S3 answer a GET with a Cache-Control no longer than the URL lives, signed as the SDK would', async () => {
    const get = new URL(
      await signer.presignGet('thumbs', 'thumbnails/k/1b4e28ba-2fa1-41d2-883f-0016d3cca427', 300, signingDate),
    );
    expect(get.searchParams.get('response-cache-control')).toBe('private, max-age=300');
    const signed = await sdkSigner().presign(
      new HttpRequest({
        method: 'GET',
        protocol: 'https:',
        hostname: get.hostname,
        path: get.pathname,
        query: { 'response-cache-control': 'private, max-age=300' },
        headers: { host: get.host, 'X-Amz-Content-Sha256': 'UNSIGNED-PAYLOAD' },
      }),
      { expiresIn: 300, signingDate },
    );
    expect(get.searchParams.get('X-Amz-Signature')).toBe(signed.query!['X-Amz-Signature']);
  });

  describe('multipart requests', () => {
    const key = 'originals/5f0c8c3e9a1b4d2e8f7a6b5c4d3e2f1a/1b4e28ba-2fa1-41d2-883f-0016d3cca427';
    const uploadId = 'VXBsb2FkIElE+/=_-.~x';

    /** The SDK's signature of the same request: method, query, and exactly our signed headers. */
    async function sdkSignature(method: string, url: URL, signed: Record<string, string>, expiresIn: number) {
      const query = Object.fromEntries([...url.searchParams.entries()].filter(([name]) => !name.startsWith('X-Amz-')));
      const names = new Set(Object.keys(signed));
      const presigned = await sdkSigner().presign(
        new HttpRequest({
          method,
          protocol: 'https:',
          hostname: url.hostname,
          path: url.pathname,
          query,
          headers: { host: url.host, ...signed, 'X-Amz-Content-Sha256': 'UNSIGNED-PAYLOAD' },
        }),
        { expiresIn, signingDate, signableHeaders: names, unhoistableHeaders: names },
      );
      return presigned.query!['X-Amz-Signature'];
    }

    it('signs an UploadPart for one session, part number and exact length (checksum optional), as the SDK would', async () => {
      for (const checksumSha256 of [undefined, checksum]) {
        const part = await signer.presignUploadPart(
          {
            bucket: 'originals',
            key,
            uploadId,
            partNumber: 7,
            contentLength: 8_388_608,
            checksumSha256,
            expiresInSeconds: 600,
          },
          signingDate,
        );
        const url = new URL(part.url);
        expect(part.method).toBe('PUT');
        expect(url.searchParams.get('uploadId')).toBe(uploadId);
        expect(url.searchParams.get('partNumber')).toBe('7');
        expect(part.headers).toEqual(checksumSha256 ? { 'x-amz-checksum-sha256': checksum } : {});
        expect(part.signedHeaders).toEqual({ ...part.headers, 'content-length': '8388608' });
        expect(signedHeaders(part.url)).toEqual(
          checksumSha256 ? ['content-length', 'host', 'x-amz-checksum-sha256'] : ['content-length', 'host'],
        );
        expect(url.searchParams.get('X-Amz-Signature')).toBe(referenceSignature('PUT', url, part.signedHeaders));
        expect(url.searchParams.get('X-Amz-Signature')).toBe(await sdkSignature('PUT', url, part.signedHeaders, 600));
      }
    });

    it('signs ListParts, CompleteMultipartUpload (object size, If-None-Match) and Abort, as the SDK would', async () => {
      const session = { bucket: 'originals', key, uploadId, expiresInSeconds: 60 };
      const list = await signer.presignSessionRequest('GET', session, signingDate);
      const complete = await signer.presignCompleteMultipart({ ...session, objectSize: 209_715_200 }, signingDate);
      const abort = await signer.presignSessionRequest('DELETE', session, signingDate);
      expect(complete.headers).toEqual({ 'if-none-match': '*', 'x-amz-mp-object-size': '209715200' });
      expect(signedHeaders(complete.url)).toEqual(['host', 'if-none-match', 'x-amz-mp-object-size']);
      for (const request of [list, complete, abort]) {
        const url = new URL(request.url);
        expect(url.searchParams.get('uploadId')).toBe(uploadId);
        expect(url.searchParams.has('partNumber')).toBe(false);
        expect(url.searchParams.get('X-Amz-Signature')).toBe(
          referenceSignature(request.method, url, request.signedHeaders),
        );
        expect(url.searchParams.get('X-Amz-Signature')).toBe(
          await sdkSignature(request.method, url, request.signedHeaders, 60),
        );
      }
      expect([list.method, complete.method, abort.method]).toEqual(['GET', 'POST', 'DELETE']);
      expect(list.headers).toEqual({});
      expect(abort.headers).toEqual({});
    });

    it('never lets a part URL stand for another part or session: each differs in its signed query', async () => {
      const base = {
        bucket: 'originals',
        key,
        uploadId,
        partNumber: 1,
        contentLength: 5_242_880,
        expiresInSeconds: 60,
      };
      const urls = await Promise.all(
        [
          base,
          { ...base, partNumber: 2 },
          { ...base, uploadId: uploadId + 'x' },
          { ...base, contentLength: 5_242_881 },
        ].map((input) => signer.presignUploadPart(input, signingDate).then((p) => new URL(p.url))),
      );
      const signatures = new Set(urls.map((url) => url.searchParams.get('X-Amz-Signature')));
      expect(signatures.size).toBe(4);
    });
  });

  it('signs a path-style URL against an emulator endpoint', async () => {
    const local = new UrlSigner(
      { region: 'us-east-1', endpoint: 'http://127.0.0.1:4566', forcePathStyle: true },
      credentials,
    );
    const url = await local.presignGet('thumbs', 'thumbnails/a b/c', 60, signingDate);
    expect(url.startsWith('http://127.0.0.1:4566/thumbs/thumbnails/a%20b/c?')).toBe(true);
    expect(signedHeaders(url)).toEqual(['host']);
  });
});
