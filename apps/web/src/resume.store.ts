import type { MultipartSession, PresignedPut } from './api.client';

/** What a multipart upload needs to carry on after a page reload: the session and the parts S3 holds. */
export interface SavedUpload {
  uploadId: string;
  key: string;
  multipart: MultipartSession;
  /** When the thumbnail's URL expires (the multipart session lives longer). */
  expiresAt: string;
  thumbnail?: PresignedPut;
  thumbnailSent: boolean;
  /** Part number → ETag, as each part was answered (ListParts is still the truth on resume). */
  parts: Record<number, string>;
}

const STORE_KEY = 'image-uploads.multipart';

/**
 * Multipart sessions in progress, in localStorage, per signed-in user and file. A file is known
 * again by its name, size, type and modification time when the user chooses it after a reload
 * (a page cannot reopen a file by itself). Expired sessions are dropped as they are read.
 */
export class ResumeStore {
  constructor(private readonly userId: string) {}

  get(file: File): SavedUpload | undefined {
    const saved = this.read()[this.fingerprint(file)];
    return saved && Date.parse(saved.multipart.expiresAt) > Date.now() ? saved : undefined;
  }

  put(file: File, upload: SavedUpload): void {
    this.write({ ...this.read(), [this.fingerprint(file)]: upload });
  }

  delete(file: File): void {
    const all = this.read();
    delete all[this.fingerprint(file)];
    this.write(all);
  }

  private fingerprint(file: File): string {
    return JSON.stringify([this.userId, file.name, file.size, file.type, file.lastModified]);
  }

  private read(): Record<string, SavedUpload> {
    try {
      const all = JSON.parse(localStorage.getItem(STORE_KEY) ?? '{}') as Record<string, SavedUpload>;
      const now = Date.now();
      return Object.fromEntries(Object.entries(all).filter(([, saved]) => Date.parse(saved.multipart.expiresAt) > now));
    } catch {
      return {};
    }
  }

  private write(all: Record<string, SavedUpload>): void {
    try {
      if (Object.keys(all).length === 0) localStorage.removeItem(STORE_KEY);
      else localStorage.setItem(STORE_KEY, JSON.stringify(all));
    } catch {
      // Storage full or disabled: the upload goes on, it just cannot resume after a reload.
    }
  }
}
