/**
 * Base64 SHA-256 of the bytes, sent with the upload request so the presigned PUT binds it and
 * S3 refuses a body changed on the way. WebCrypto exists only in secure contexts (https,
 * localhost, 127.0.0.1); elsewhere the upload goes without a checksum rather than not at all.
 */
export async function sha256Base64(blob: Blob): Promise<string | undefined> {
  if (!globalThis.crypto?.subtle) return undefined;
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', await blob.arrayBuffer()));
  let binary = '';
  for (const byte of digest) binary += String.fromCharCode(byte);
  return btoa(binary);
}
