export interface ClientConfig {
  /** The API's UPLOAD_MAX_BYTES: the largest original sent with one PUT. */
  maxBytes: number;
  maxThumbnailBytes: number;
  /** The API's MULTIPART_THRESHOLD_BYTES: larger originals are sent in parts. */
  multipartThresholdBytes: number;
  /** The API's MULTIPART_MAX_BYTES, so a too-big file is refused before any request. */
  multipartMaxBytes: number;
}

// The API's own defaults, for a page opened without the API filling the config in.
const DEFAULTS: ClientConfig = {
  maxBytes: 25 * 1024 * 1024,
  maxThumbnailBytes: 1024 * 1024,
  multipartThresholdBytes: 16 * 1024 * 1024,
  multipartMaxBytes: 200 * 1024 * 1024,
};

/** The API writes its limits into a JSON block in index.html when it serves the page. */
export function readClientConfig(doc: Document): ClientConfig {
  try {
    const parsed = JSON.parse(doc.getElementById('client-config')?.textContent ?? '{}') as Partial<ClientConfig>;
    return {
      maxBytes: positive(parsed.maxBytes) ?? DEFAULTS.maxBytes,
      maxThumbnailBytes: positive(parsed.maxThumbnailBytes) ?? DEFAULTS.maxThumbnailBytes,
      multipartThresholdBytes: positive(parsed.multipartThresholdBytes) ?? DEFAULTS.multipartThresholdBytes,
      multipartMaxBytes: positive(parsed.multipartMaxBytes) ?? DEFAULTS.multipartMaxBytes,
    };
  } catch {
    return DEFAULTS;
  }
}

function positive(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : undefined;
}
