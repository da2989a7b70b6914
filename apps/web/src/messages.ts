import { ALLOWED_IMAGE_TYPES, RejectionReason } from '../../../libs/contracts/src/upload.contract';
import { ApiError, NetworkError } from './api.client';
import type { ClientConfig } from './client.config';
import { StorageError } from './storage.put';

const FORMATS = 'JPEG, PNG, WebP, AVIF or GIF';

/** The worker's stable rejection codes, in words a person can act on. */
const REJECTIONS: Record<RejectionReason, string> = {
  [RejectionReason.NotAnImage]: "This file isn't an image, whatever its name says.",
  [RejectionReason.TypeNotAllowed]: `This image format isn't supported. Use ${FORMATS}.`,
  [RejectionReason.TypeMismatch]: "The file's contents don't match its type (for example a PNG named .jpg).",
  [RejectionReason.TooManyPixels]: 'The image has too many pixels to process safely. Try a smaller version.',
  [RejectionReason.Corrupt]: 'The image is damaged and cannot be read.',
  [RejectionReason.Undecodable]: "The image's pixels are damaged or it took too long to decode.",
  [RejectionReason.Empty]: 'The file is empty.',
  [RejectionReason.SizeMismatch]: 'The file changed or was cut short on the way. Try again.',
  [RejectionReason.ObjectMissing]: 'The file disappeared from storage before it was checked. Try again.',
  [RejectionReason.UnknownUpload]: 'The server was not expecting this file. Try again.',
  [RejectionReason.TooLarge]: 'The file is larger than announced. Try again.',
  [RejectionReason.ChecksumMismatch]: 'The file was changed or damaged on the way. Try again.',
};

export function rejectionMessage(code: string | undefined, detail: string | undefined): string {
  const known = code !== undefined && code in REJECTIONS ? REJECTIONS[code as RejectionReason] : undefined;
  return known ?? detail ?? 'The server refused this file.';
}

export const EXPIRED_MESSAGE = 'The upload link expired before the file arrived. Try again.';

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KB', 'MB', 'GB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value >= 10 ? Math.round(value) : value.toFixed(1)} ${units[unit]}`;
}

/**
 * Why a file is refused before anything is sent. Only what the browser was told is checked
 * (type from the name, size); the real bytes are the server's to judge.
 */
export function refusalReason(file: File, config: ClientConfig): string | null {
  if (file.size === 0) return 'The file is empty.';
  if (!file.type.startsWith('image/'))
    return `Not an image${file.type ? ` (${file.type})` : ''}. Choose ${FORMATS} files.`;
  if (!(ALLOWED_IMAGE_TYPES as readonly string[]).includes(file.type)) {
    return `This image format (${file.type}) isn't supported. Use ${FORMATS}.`;
  }
  // Above the single-PUT limit the file goes in parts, up to the multipart limit.
  const maxBytes = Math.max(config.maxBytes, config.multipartMaxBytes);
  if (file.size > maxBytes) {
    let [size, limit] = [formatBytes(file.size), formatBytes(maxBytes)];
    // "1.0 MB; the limit is 1.0 MB" explains nothing: just over the limit, count the bytes.
    if (size === limit) [size, limit] = [file.size, maxBytes].map((n) => `${n.toLocaleString('en')} bytes`);
    return `Too big: ${size}; the limit is ${limit}.`;
  }
  return null;
}

/** A failure as a sentence, and whether trying again could help. */
export function failureMessage(error: unknown): { message: string; retryable: boolean } {
  if (error instanceof NetworkError) {
    return {
      message:
        error.target === 'server'
          ? 'Network problem: could not reach the server. Check your connection and retry.'
          : 'Network problem: the upload to storage did not go through. Check your connection and retry.',
      retryable: true,
    };
  }
  if (error instanceof StorageError) {
    return {
      message:
        error.status === 403
          ? 'Storage refused the upload (its link may have expired). Retry to get a new one.'
          : `Storage refused the upload (HTTP ${error.status}). Retry to start over.`,
      retryable: true,
    };
  }
  if (error instanceof ApiError) {
    const { problem } = error;
    if (problem.status === 401) return { message: 'You were signed out. Sign in again, then retry.', retryable: true };
    if (problem.status === 429) {
      const wait = error.retryAfterSeconds ? ` Retry in ${error.retryAfterSeconds} s.` : ' Retry in a moment.';
      return { message: `${problem.detail ?? 'Too many uploads at once.'}${wait}`, retryable: true };
    }
    if (problem.errors?.length) {
      return { message: problem.errors.map((e) => `${e.field} ${e.message}`).join('; '), retryable: false };
    }
    return { message: problem.detail ?? problem.title ?? `HTTP ${problem.status}`, retryable: problem.status >= 500 };
  }
  return { message: error instanceof Error ? error.message : String(error), retryable: true };
}
