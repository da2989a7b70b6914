import { LOCAL_USER_KEY_SECRET } from '@lib/config';
import { erasureTargets, ErasureStatus, originalKey, thumbnailKey, userKeyFor } from '@lib/contracts';
import { makeJpeg, waitFor } from '@lib/testing';
import { ERASURE_CONFIRMATION } from '../../apps/api/src/erasure/erasure.dto';
import { useTestStack } from '../support/stack-fixture';

/** Declared a JPEG, is a page of HTML: what a hostile client would hope the CDN serves. */
const SPOOFED = Buffer.from('<!doctype html><script>alert(document.domain)</script>'.padEnd(600, ' '));

describe('quarantine (REJECTED_OBJECT_ACTION=quarantine)', () => {
  const user = `quarantine-${Date.now()}`;
  const userKey = userKeyFor(LOCAL_USER_KEY_SECRET, user);

  const e2e = useTestStack({
    // The erasure runner claims any open request it can see: its own database keeps another
    // file's worker from taking this one.
    ownDatabase: true,
    env: {
      REJECTED_OBJECT_ACTION: 'quarantine',
      ERASURE_POLL_SECONDS: '1',
      SWEEP_INTERVAL_SECONDS: '1',
      THUMBNAIL_WAIT_SECONDS: '0',
    },
  });

  async function keys(bucket: string, prefix: string): Promise<string[]> {
    return (await e2e.storage.listKeys(bucket, prefix)).keys;
  }

  it('keeps a spoofed thumbnail and a spoofed original in the private originals bucket, never the CDN one, until erasure', async () => {
    const { originalsBucket, thumbnailsBucket } = e2e.stack.resources;
    const client = await e2e.client(user);
    const jpeg = await makeJpeg(320, 240);

    // A good original with a spoofed thumbnail: the image is READY, the thumbnail is rejected.
    const withThumbnail = await client.createUpload({
      filename: 'a.jpg',
      contentType: 'image/jpeg',
      size: jpeg.length,
      thumbnail: { contentType: 'image/jpeg', size: SPOOFED.length },
    });
    expect((await client.put(withThumbnail.thumbnail!, SPOOFED)).status).toBe(200);
    expect((await client.put(withThumbnail.original, jpeg)).status).toBe(200);
    // A spoofed original: REJECTED.
    const spoofed = await client.upload(SPOOFED, 'image/jpeg');
    expect((await client.settled(spoofed.uploadId)).rejection?.code).toBeTruthy();

    const quarantinedThumbnail = `quarantine/${thumbnailKey(userKey, withThumbnail.uploadId)}`;
    const quarantinedOriginal = `quarantine/${originalKey(userKey, spoofed.uploadId)}`;
    await waitFor(
      async () =>
        (await e2e.storage.head(originalsBucket, quarantinedThumbnail)) &&
        (await e2e.storage.head(originalsBucket, quarantinedOriginal)),
      { what: 'both rejected objects in the quarantine', timeoutMs: 30_000 },
    );
    // The quarantined bytes are what the client sent, kept for a person to look at...
    expect((await e2e.storage.head(originalsBucket, quarantinedThumbnail))?.size).toBe(SPOOFED.length);
    // ...and nothing of them is left in the bucket the CDN fronts, under any prefix.
    expect(await e2e.storage.head(thumbnailsBucket, thumbnailKey(userKey, withThumbnail.uploadId))).toBeNull();
    expect(await keys(thumbnailsBucket, 'quarantine/')).toEqual([]);
    expect(await keys(thumbnailsBucket, `thumbnails/${userKey}/`)).toEqual([]);
    expect(await e2e.storage.head(originalsBucket, originalKey(userKey, spoofed.uploadId))).toBeNull();
    // The image of the good original is served, from the worker's own thumbnail.
    const ready = await client.withThumbnail(withThumbnail.uploadId, 30_000);
    expect(ready.status).toBe('READY');
    expect(new URL(ready.image!.thumbnailUrl!).pathname).toContain(`/renditions/${userKey}/`);

    // Erasure finds the quarantined copies by the user's prefixes and removes them.
    const accepted = await client.request('DELETE', '/v1/users/me', { confirm: ERASURE_CONFIRMATION });
    expect(accepted.status).toBe(202);
    const done = await waitFor(
      async () => {
        const status = (await (await client.request('GET', '/v1/users/me/erasure')).json()) as ErasureStatus;
        return status.state === 'COMPLETED' || status.state === 'FAILED' ? status : undefined;
      },
      { what: 'the erasure to finish', timeoutMs: 60_000, intervalMs: 250 },
    );
    expect(done).toMatchObject({ state: 'COMPLETED', failedKeys: 0 });
    expect(await e2e.storage.head(originalsBucket, quarantinedThumbnail)).toBeNull();
    expect(await e2e.storage.head(originalsBucket, quarantinedOriginal)).toBeNull();
    for (const { bucket, prefix } of erasureTargets(userKey, e2e.stack.resources)) {
      expect({ bucket, prefix, keys: await keys(bucket, prefix) }).toEqual({ bucket, prefix, keys: [] });
    }
  });
});
