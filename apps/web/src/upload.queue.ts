import { ApiClient, ApiError, type Image, NetworkError, type UploadSession } from './api.client';
import { sha256Base64 } from './checksum';
import type { ClientConfig } from './client.config';
import { EXPIRED_MESSAGE, failureMessage, refusalReason, rejectionMessage } from './messages';
import { MultipartUpload } from './multipart.upload';
import { ResumeStore, type SavedUpload } from './resume.store';
import { CancelledError, putToStorage, StorageError } from './storage.put';
import { makeThumbnail, type Thumbnail } from './thumbnail.maker';

export type UploadPhase =
  | 'refused' // never sent: not an image, too big, empty
  | 'queued'
  | 'preparing' // thumbnail and checksums
  | 'uploading'
  | 'processing' // bytes in S3; the worker is checking them
  | 'ready'
  | 'rejected' // the worker refused the bytes, or the upload expired
  | 'failed' // network or server trouble; retry may help
  | 'cancelled'; // stopped by the user; a multipart upload is aborted in S3

/** Nothing more will happen to these, nor is there anything for the user to do. */
export function isFinished(phase: UploadPhase): boolean {
  return phase === 'refused' || phase === 'ready' || phase === 'rejected' || phase === 'cancelled';
}

export interface UploadItem {
  readonly key: number;
  readonly file: File;
  phase: UploadPhase;
  /** 0..1 over the original and the thumbnail together. */
  progress: number;
  message: string;
  retryable: boolean;
  image?: Image;
  /** Kept across retries: the thumbnail and checksums are made once per file. */
  prepared?: { thumbnail: Thumbnail | null; checksum?: string; thumbnailChecksum?: string };
  session?: UploadSession;
  /** Reused on retry, so a lost response to POST /v1/uploads does not create a second upload. */
  idempotencyKey: string;
  sent: { original: boolean; thumbnail: boolean };
  /** A multipart session's state: kept across retries (and in the ResumeStore across reloads). */
  multipart?: SavedUpload;
  /** Aborts what the item has in flight (Cancel). */
  controller?: AbortController;
}

/** Whether the item's upload can still take bytes: its URLs (or multipart session) are not about to end. */
function usable(session: UploadSession | undefined): session is UploadSession {
  const end = session?.multipart?.expiresAt ?? session?.expiresAt;
  return end !== undefined && Date.parse(end) - Date.now() >= SESSION_MARGIN_MS;
}

// Each file holds one status long-poll while it is checked: 3 leave the browser's other 3
// connections to this origin (HTTP/1.1 allows 6) for the rest of the page's requests.
const CONCURRENCY = 3;
// The API answers a long-poll as soon as the worker's verdict is stored; this is only how long
// one request is held while it is not (UPLOAD_STATUS_MAX_WAIT_SECONDS on the server).
const STATUS_WAIT_SECONDS = 20;
const POLL_GIVE_UP_MS = 3 * 60_000;
// Once READY, a thumbnail that was sent is usually linked within a poll or two. Linking it does
// not change the upload's status, so these few polls are plain ones, spaced out.
const THUMBNAIL_GRACE_POLLS = 8;
const THUMBNAIL_POLL_MS = 500;
// After a network blip or a 429/503 without Retry-After.
const STATUS_RETRY_MS = 1_000;
// A retry reuses a session only if its URLs stay valid long enough to send the bytes.
const SESSION_MARGIN_MS = 30_000;

export interface UploadQueueEvents {
  changed(item: UploadItem): void;
  /** Final outcomes, for the screen reader announcement and the gallery refresh. */
  settled(item: UploadItem): void;
}

/** Runs each file through thumbnail → upload request → direct PUTs → status polling. */
export class UploadQueue {
  private readonly items: UploadItem[] = [];
  private readonly waiting: UploadItem[] = [];
  private running = 0;
  private nextKey = 1;
  private closed = false;
  private resumeStore: ResumeStore | undefined;

  constructor(
    private readonly api: ApiClient,
    private readonly config: ClientConfig,
    private readonly events: UploadQueueEvents,
  ) {}

  /** Multipart sessions are saved per user, so a reload (and choosing the file again) resumes them. */
  signedInAs(userId: string): void {
    this.resumeStore = new ResumeStore(userId);
  }

  /** Stops an upload that is not finished: its requests are aborted, and so is its multipart upload in S3. */
  cancel(item: UploadItem): void {
    if (isFinished(item.phase) || item.phase === 'processing') return;
    const queued = this.waiting.indexOf(item);
    if (queued >= 0) this.waiting.splice(queued, 1);
    item.controller?.abort();
    const multipart = item.multipart;
    if (multipart) {
      this.resumeStore?.delete(item.file);
      void new MultipartUpload(this.api, item.file, multipart, () => undefined).abort().catch(() => undefined);
    }
    item.multipart = undefined;
    item.session = undefined;
    this.update(item, { phase: 'cancelled', message: 'Cancelled.', retryable: false });
    this.settle(item);
  }

  add(files: Iterable<File>): UploadItem[] {
    const added: UploadItem[] = [];
    for (const file of files) {
      const refusal = refusalReason(file, this.config);
      const item: UploadItem = {
        key: this.nextKey++,
        file,
        phase: refusal ? 'refused' : 'queued',
        progress: 0,
        message: refusal ?? 'Waiting to upload…',
        retryable: false,
        idempotencyKey: newKey(),
        sent: { original: false, thumbnail: false },
      };
      this.items.push(item);
      added.push(item);
      this.events.changed(item);
      if (!refusal) this.waiting.push(item);
    }
    this.pump();
    return added;
  }

  get all(): readonly UploadItem[] {
    return this.items;
  }

  /** Drops finished items (the list's "Clear finished"); failed ones stay for their Retry. */
  removeFinished(): UploadItem[] {
    const finished = this.items.filter((item) => isFinished(item.phase));
    this.items.splice(0, this.items.length, ...this.items.filter((item) => !isFinished(item.phase)));
    return finished;
  }

  /** On sign-out: nothing new starts, and work still in flight reports to no one. */
  close(): void {
    this.closed = true;
    this.waiting.length = 0;
  }

  retry(item: UploadItem): void {
    if (item.phase !== 'failed' || !item.retryable) return;
    this.update(item, { phase: 'queued', message: 'Waiting to upload…', retryable: false });
    this.waiting.push(item);
    this.pump();
  }

  private pump(): void {
    while (!this.closed && this.running < CONCURRENCY && this.waiting.length > 0) {
      const item = this.waiting.shift()!;
      this.running++;
      void this.run(item).finally(() => {
        this.running--;
        this.pump();
      });
    }
  }

  private async run(item: UploadItem): Promise<void> {
    try {
      if (!item.sent.original || !item.sent.thumbnail) await this.send(item);
      await this.follow(item);
    } catch (error) {
      if (item.phase === 'cancelled' || error instanceof CancelledError) return;
      const spent = error instanceof StorageError && !item.multipart;
      if (spent || (error instanceof ApiError && error.problem.status === 422)) {
        // The URLs (or the idempotency key's body) are spent: a retry starts a new upload.
        item.session = undefined;
        item.idempotencyKey = newKey();
        item.sent = { original: false, thumbnail: false };
      }
      const { message, retryable } = failureMessage(error);
      this.update(item, { phase: retryable ? 'failed' : 'refused', message, retryable });
      this.settle(item);
    }
  }

  private async send(item: UploadItem): Promise<void> {
    this.update(item, { phase: 'preparing', message: 'Making the thumbnail…', progress: 0 });
    const controller = (item.controller = new AbortController());
    const prepared = (item.prepared ??= await this.prepare(item.file));
    const saved = item.session ? undefined : this.resumeStore?.get(item.file);
    if (saved) {
      // Chosen again after a reload: carry on with the session (and the parts) S3 already has.
      item.multipart = saved;
      item.sent = { original: false, thumbnail: saved.thumbnailSent };
      const { uploadId, key, multipart, expiresAt } = saved;
      // The thumbnail's URL lives as long as the upload's first URLs; past that the worker makes one.
      const thumbnail = Date.parse(expiresAt) - Date.now() > SESSION_MARGIN_MS ? saved.thumbnail : undefined;
      item.session = { uploadId, key, multipart, thumbnail, expiresAt: multipart.expiresAt };
    }
    if (!usable(item.session)) {
      if (item.session) {
        item.idempotencyKey = newKey();
        item.sent = { original: false, thumbnail: false };
        item.multipart = undefined;
      }
      const thumbnail = prepared.thumbnail;
      item.session = await this.api.createUpload(
        {
          filename: item.file.name.slice(0, 255) || 'image',
          contentType: item.file.type,
          size: item.file.size,
          checksumSha256: prepared.checksum,
          multipart: this.wantsMultipart(item.file) || undefined,
          thumbnail: thumbnail
            ? {
                contentType: thumbnail.contentType,
                size: thumbnail.blob.size,
                checksumSha256: prepared.thumbnailChecksum,
              }
            : undefined,
        },
        item.idempotencyKey,
      );
    }
    const session = item.session;
    const thumbnail = session.thumbnail && prepared.thumbnail ? prepared.thumbnail.blob : null;
    const total = item.file.size + (thumbnail?.size ?? 0);
    const loaded = { original: item.sent.original ? item.file.size : 0, thumbnail: 0 };
    if (thumbnail && item.sent.thumbnail) loaded.thumbnail = thumbnail.size;
    const report = () => this.update(item, { progress: Math.min(1, (loaded.original + loaded.thumbnail) / total) });
    this.update(item, { phase: 'uploading', message: 'Uploading…' });
    report();
    const puts: Promise<void>[] = [];
    if (!item.sent.original) {
      const onProgress = (bytes: number) => {
        loaded.original = bytes;
        report();
      };
      puts.push(
        (session.multipart
          ? this.sendMultipart(item, session, controller.signal, onProgress)
          : putToStorage(session.original!, item.file, onProgress, controller.signal)
        ).then(() => {
          item.sent.original = true;
        }),
      );
    }
    if (thumbnail && session.thumbnail && !item.sent.thumbnail) {
      puts.push(
        putToStorage(
          session.thumbnail,
          thumbnail,
          (bytes) => {
            loaded.thumbnail = bytes;
            report();
          },
          controller.signal,
        ).then(() => {
          item.sent.thumbnail = true;
          if (item.multipart) item.multipart.thumbnailSent = true;
        }),
      );
    } else {
      item.sent.thumbnail = true;
    }
    // allSettled, so one failed PUT does not hide whether the other one finished.
    const results = await Promise.allSettled(puts);
    const failed = results.find((result): result is PromiseRejectedResult => result.status === 'rejected');
    if (failed) throw failed.reason;
    this.update(item, { progress: 1 });
  }

  /**
   * Above the API's threshold the original goes in parts (the API would offer multipart anyway);
   * asking for it explicitly also covers files just above UPLOAD_MAX_BYTES.
   */
  private wantsMultipart(file: File): boolean {
    return file.size > Math.min(this.config.multipartThresholdBytes, this.config.maxBytes);
  }

  private async sendMultipart(
    item: UploadItem,
    session: UploadSession,
    signal: AbortSignal,
    onProgress: (bytes: number) => void,
  ): Promise<void> {
    const resume = Boolean(item.multipart);
    const state = (item.multipart ??= {
      uploadId: session.uploadId,
      key: session.key,
      multipart: session.multipart!,
      expiresAt: session.expiresAt,
      thumbnail: session.thumbnail,
      thumbnailSent: item.sent.thumbnail,
      parts: {},
    });
    const upload = new MultipartUpload(this.api, item.file, state, () => this.resumeStore?.put(item.file, state));
    await upload.send({ resume, signal, onProgress });
    this.resumeStore?.delete(item.file);
  }

  private async prepare(file: File): Promise<NonNullable<UploadItem['prepared']>> {
    const thumbnail = await makeThumbnail(file);
    const usable = thumbnail && thumbnail.blob.size <= this.config.maxThumbnailBytes ? thumbnail : null;
    const [checksum, thumbnailChecksum] = await Promise.all([
      // A whole-file checksum of a multipart original would be read into memory at once, and
      // S3 checks each part's bytes against its signed length anyway; small originals get one.
      this.wantsMultipart(file) ? Promise.resolve(undefined) : sha256Base64(file),
      usable ? sha256Base64(usable.blob) : Promise.resolve(undefined),
    ]);
    return { thumbnail: usable, checksum, thumbnailChecksum };
  }

  /**
   * Waits for the worker's verdict with status long-polls (each answered as soon as it is
   * stored), then, once READY, for the thumbnail it was sent to be linked.
   */
  private async follow(item: UploadItem): Promise<void> {
    const uploadId = item.session!.uploadId;
    const expectThumbnail = Boolean(item.session!.thumbnail && item.prepared?.thumbnail);
    this.update(item, { phase: 'processing', message: 'Checking the image…', progress: 1 });
    const started = Date.now();
    let graceLeft = THUMBNAIL_GRACE_POLLS;
    let networkFailures = 0;
    while (!this.closed && Date.now() - started < POLL_GIVE_UP_MS) {
      let status;
      try {
        status = await this.api.uploadStatus(uploadId, STATUS_WAIT_SECONDS);
        networkFailures = 0;
      } catch (error) {
        // A blip while waiting is not a failed upload: the bytes are already in S3.
        if (error instanceof NetworkError && ++networkFailures < 5) {
          await sleep(STATUS_RETRY_MS * networkFailures);
          continue;
        }
        // This user (or this server) holds its share of long-polls: come back when told.
        if (error instanceof ApiError && (error.problem.status === 429 || error.problem.status === 503)) {
          await sleep((error.retryAfterSeconds ?? STATUS_RETRY_MS / 1000) * 1000);
          continue;
        }
        throw error;
      }
      if (status.status === 'READY' && status.image) {
        if (expectThumbnail && !status.image.thumbnailUrl && graceLeft-- > 0) {
          await sleep(THUMBNAIL_POLL_MS);
          continue;
        }
        this.update(item, { phase: 'ready', message: 'Ready', image: status.image });
        this.settle(item);
        return;
      }
      if (status.status === 'REJECTED') {
        const message = `Rejected: ${rejectionMessage(status.rejection?.code, status.rejection?.detail)}`;
        this.update(item, { phase: 'rejected', message });
        this.settle(item);
        return;
      }
      if (status.status === 'EXPIRED') {
        item.session = undefined;
        item.idempotencyKey = newKey();
        item.sent = { original: false, thumbnail: false };
        this.update(item, { phase: 'failed', message: EXPIRED_MESSAGE, retryable: true });
        this.settle(item);
        return;
      }
    }
    this.update(item, {
      phase: 'processing',
      message: 'Still being checked. It will appear in your images when it is ready.',
    });
  }

  private update(item: UploadItem, patch: Partial<UploadItem>): void {
    Object.assign(item, patch);
    if (!this.closed) this.events.changed(item);
  }

  private settle(item: UploadItem): void {
    if (!this.closed) this.events.settled(item);
  }
}

function newKey(): string {
  // randomUUID needs a secure context; the fallback only has to be unique per user and day.
  return globalThis.crypto?.randomUUID?.() ?? `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
