import type { Page, Request } from 'playwright-core';

/** What a page sent to one bucket of a multipart upload, as the browser saw it. */
export interface PartTraffic {
  /** Part numbers of every UploadPart request, in the order they left. */
  sent: number[];
  /** Part numbers S3 answered 2xx. */
  stored: number[];
  /** ListParts requests. */
  listed: number;
  /** AbortMultipartUpload requests (DELETE with an uploadId), by object key. */
  aborted: string[];
  stop(): void;
}

export function recordPartTraffic(page: Page, bucket: string): PartTraffic {
  const traffic: PartTraffic = { sent: [], stored: [], listed: 0, aborted: [], stop: () => undefined };
  const url = (request: Request) => new URL(request.url());
  const inBucket = (request: Request) => url(request).pathname.startsWith(`/${bucket}/`);
  const partOf = (request: Request) => Number(url(request).searchParams.get('partNumber'));
  const onRequest = (request: Request) => {
    if (!inBucket(request) || !url(request).searchParams.has('uploadId')) return;
    if (request.method() === 'PUT' && partOf(request)) traffic.sent.push(partOf(request));
    if (request.method() === 'GET') traffic.listed++;
    if (request.method() === 'DELETE') traffic.aborted.push(url(request).pathname.slice(bucket.length + 2));
  };
  const onFinished = async (request: Request) => {
    if (inBucket(request) && request.method() === 'PUT' && partOf(request) && (await request.response())?.ok()) {
      traffic.stored.push(partOf(request));
    }
  };
  page.on('request', onRequest);
  page.on('requestfinished', onFinished);
  traffic.stop = () => {
    page.off('request', onRequest);
    page.off('requestfinished', onFinished);
  };
  return traffic;
}
