import type { ApiClient } from './api.client';
import type { SavedUpload } from './resume.store';
import { sendToStorage, StorageError } from './storage.put';

// Parts in flight per file: enough to fill a fast link, few enough that three files at once
// (the queue's concurrency) stay within what a browser opens to one host.
const PARTS_IN_FLIGHT = 3;

/**
 * One original sent as an S3 multipart upload the API created: the parts S3 does not hold yet
 * (ListParts, when resuming), each signed on demand and sent in parallel, then completed.
 * Every finished part is saved at once, so a reload or a crash loses at most the parts in flight.
 */
export class MultipartUpload {
  constructor(
    private readonly api: ApiClient,
    private readonly file: File,
    private readonly upload: SavedUpload,
    private readonly save: () => void,
  ) {}

  /** The bytes S3 already holds (for progress). */
  get sentBytes(): number {
    return Object.keys(this.upload.parts).reduce((sum, part) => sum + this.partSize(Number(part)), 0);
  }

  async send(options: { resume: boolean; signal: AbortSignal; onProgress: (bytes: number) => void }): Promise<void> {
    if (options.resume) this.upload.parts = await this.listParts(options.signal);
    this.save();
    const { partCount } = this.upload.multipart;
    const missing = Array.from({ length: partCount }, (_, i) => i + 1).filter((part) => !this.upload.parts[part]);
    const inFlight = new Map<number, number>();
    const report = () => options.onProgress(this.sentBytes + [...inFlight.values()].reduce((a, b) => a + b, 0));
    report();
    const worker = async () => {
      for (let part = missing.shift(); part !== undefined; part = missing.shift()) {
        const slice = this.file.slice(...this.partRange(part));
        const signed = await this.sign('PUT', part);
        const { etag } = await sendToStorage(signed, slice, {
          signal: options.signal,
          onProgress: (bytes) => {
            inFlight.set(part!, bytes);
            report();
          },
        });
        // The bucket's CORS rule exposes ETag; without it CompleteMultipartUpload cannot be sent.
        if (!etag) throw new StorageError(0);
        inFlight.delete(part);
        this.upload.parts[part] = etag;
        this.save();
        report();
      }
    };
    await Promise.all(Array.from({ length: Math.min(PARTS_IN_FLIGHT, missing.length) }, worker));
    await this.complete(options.signal);
  }

  /** Cancel: S3 drops the parts (and the API's sweep would, at the session's end). */
  async abort(): Promise<void> {
    await sendToStorage(await this.sign('DELETE'), null);
  }

  private async listParts(signal: AbortSignal): Promise<Record<number, string>> {
    const { text } = await sendToStorage(await this.sign('GET'), null, { signal });
    const parts: Record<number, string> = {};
    const xml = new DOMParser().parseFromString(text, 'application/xml');
    for (const part of Array.from(xml.getElementsByTagName('Part'))) {
      const number = Number(part.getElementsByTagName('PartNumber')[0]?.textContent);
      const etag = part.getElementsByTagName('ETag')[0]?.textContent;
      if (Number.isInteger(number) && etag) parts[number] = etag;
    }
    return parts;
  }

  private async complete(signal: AbortSignal): Promise<void> {
    const parts = Object.entries(this.upload.parts)
      .map(([part, etag]) => [Number(part), etag] as const)
      .sort(([a], [b]) => a - b)
      .map(([part, etag]) => `<Part><PartNumber>${part}</PartNumber><ETag>${escapeXml(etag)}</ETag></Part>`);
    const body = `<CompleteMultipartUpload>${parts.join('')}</CompleteMultipartUpload>`;
    const { text } = await sendToStorage(await this.sign('POST'), body, { signal });
    // S3 may answer 200 and report the failure in the body.
    if (/<Error>/.test(text)) throw new StorageError(500);
  }

  private sign(method: 'PUT' | 'GET' | 'POST' | 'DELETE', partNumber?: number) {
    const { key, multipart } = this.upload;
    return this.api.sign({ method, key, uploadId: multipart.uploadId, ...(partNumber ? { partNumber } : {}) });
  }

  private partRange(part: number): [number, number] {
    const start = (part - 1) * this.upload.multipart.partSize;
    return [start, Math.min(start + this.upload.multipart.partSize, this.file.size)];
  }

  private partSize(part: number): number {
    const [start, end] = this.partRange(part);
    return end - start;
  }
}

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
