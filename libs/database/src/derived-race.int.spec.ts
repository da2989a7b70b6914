import { Client } from 'pg';
import { thumbnailKey, userKeyFor } from '@lib/contracts';
import { LOCAL_USER_KEY_SECRET } from '@lib/config';
import { waitFor } from '@lib/testing';
import { insertUpload, newUploadRow, useIsolatedDatabase } from '../../../test/support/database';
import { ObjectOutcomeRepository, ObjectVerdict } from './object-outcome.repository';
import { RenditionRecord, RenditionRepository } from './rendition.repository';

/**
 * A derived image (rendition, re-encoded thumbnail) is made from one version of its source and
 * saved later: it must never outlive that version. These run the repository's statements against
 * a real PostgreSQL, with the verdict that replaces the source held open in another session.
 */
describe('derived images and the source version they were made from', () => {
  const db = useIsolatedDatabase('derived_race');
  let seq = 0;

  function verdict(
    upload: { id: string; originalKey: string },
    eTag: string,
    accepted = true,
    role: 'ORIGINAL' | 'THUMBNAIL' = 'ORIGINAL',
  ): ObjectVerdict {
    const key = role === 'ORIGINAL' ? upload.originalKey : thumbnailKey('k', upload.id);
    const base = {
      bucket: role === 'ORIGINAL' ? 'originals' : 'thumbnails',
      key,
      role,
      uploadId: upload.id,
      userId: 'erin',
      sequencer: (++seq).toString(16).toUpperCase().padStart(20, '0'),
      eTag,
      bytes: 10,
    };
    return accepted
      ? { ...base, accepted: true, contentType: 'image/jpeg', width: 10, height: 10, sha256: null }
      : { ...base, accepted: false, reason: 'not-an-image', detail: 'no' };
  }

  function rendition(
    upload: { id: string; originalKey: string },
    name: string,
    source: { bucket: string; key: string; eTag: string },
  ): RenditionRecord {
    return {
      uploadId: upload.id,
      name,
      bucket: 'thumbnails',
      key: `renditions/${userKeyFor(LOCAL_USER_KEY_SECRET, 'erin')}/${upload.id}/${name}.${source.eTag}.webp`,
      contentType: 'image/webp',
      bytes: 5,
      width: 5,
      height: 5,
      sourceBucket: source.bucket,
      sourceKey: source.key,
      sourceETag: source.eTag,
    };
  }

  /** Until the save's statement waits on a row lock (held by `session`), not answered from an older snapshot. */
  async function blockedSave(session: Client, what: string): Promise<void> {
    await waitFor(
      async () => {
        // Inside its open transaction the session would otherwise see the activity it saw first.
        await session.query('SELECT pg_stat_clear_snapshot()');
        const { rows } = await session.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM pg_stat_activity
           WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE '%FOR SHARE OF s%'`,
        );
        return rows[0]!.n > 0 || undefined;
      },
      { what, timeoutMs: 20_000 },
    );
  }

  async function readyUpload(eTag = 'v1') {
    const upload = newUploadRow('erin');
    await insertUpload(db.prisma, upload);
    await new ObjectOutcomeRepository(db.prisma).record(verdict(upload, eTag));
    return { upload, source: { bucket: 'originals', key: upload.originalKey, eTag } };
  }

  it('saves a rendition only while its source is accepted at the version it was made from', async () => {
    const renditions = new RenditionRepository(db.prisma);
    const outcomes = new ObjectOutcomeRepository(db.prisma);
    const { upload, source } = await readyUpload('v1');

    expect(await renditions.save(rendition(upload, 'card', source))).toEqual({ result: 'saved', replacedKey: null });
    // Replaced: a rendition of v1 that finishes now is refused, and the saved one is invalid.
    await outcomes.record(verdict(upload, 'v2'));
    expect((await renditions.save(rendition(upload, 'large', source))).result).toBe('source-gone');
    expect((await renditions.listInvalid(upload.id)).map((r) => r.name)).toEqual(['card']);
    // One of v2 is saved and valid; taking the invalid ones leaves it.
    const v2 = { ...source, eTag: 'v2' };
    expect((await renditions.save(rendition(upload, 'large', v2))).result).toBe('saved');
    const card = (await renditions.listInvalid(upload.id)).map((r) => r.key);
    expect((await renditions.takeInvalid(upload.id, card)).map((r) => r.name)).toEqual(['card']);
    expect((await renditions.listForUpload(upload.id)).map((r) => [r.name, r.sourceETag])).toEqual([['large', 'v2']]);
    expect(await db.prisma.cdnInvalidation.count({ where: { path: `/${card[0]}` } })).toBe(1);

    // Rejected: nothing of the source may be saved, and what was is invalid.
    await outcomes.record(verdict(upload, 'v3', false));
    expect((await renditions.save(rendition(upload, 'card', { ...source, eTag: 'v3' }))).result).toBe('source-gone');
    expect((await renditions.listInvalid(upload.id)).map((r) => r.name)).toEqual(['large']);
  });

  it('refuses a rendition of a deleted upload', async () => {
    const renditions = new RenditionRepository(db.prisma);
    const { upload, source } = await readyUpload();
    await db.prisma.upload.delete({ where: { id: upload.id } });
    expect((await renditions.save(rendition(upload, 'card', source))).result).toBe('source-gone');
  });

  it('keeps a thumb made from the client thumbnail while the upload is pending, drops it once the original is rejected', async () => {
    const renditions = new RenditionRepository(db.prisma);
    const outcomes = new ObjectOutcomeRepository(db.prisma);
    const upload = newUploadRow('erin');
    await insertUpload(db.prisma, upload);
    await outcomes.record(verdict(upload, 't1', true, 'THUMBNAIL'));
    const fromThumbnail = { bucket: 'thumbnails', key: thumbnailKey('k', upload.id), eTag: 't1' };
    expect((await renditions.save(rendition(upload, 'thumb', fromThumbnail))).result).toBe('saved');
    expect(await renditions.listInvalid(upload.id)).toEqual([]);

    await outcomes.record(verdict(upload, 'v1', false));
    expect((await renditions.listInvalid(upload.id)).map((r) => r.name)).toEqual(['thumb']);
  });

  it('unlinks the object a row named before when a rendition is made again from another source', async () => {
    const renditions = new RenditionRepository(db.prisma);
    const outcomes = new ObjectOutcomeRepository(db.prisma);
    const { upload, source } = await readyUpload('v1');
    const first = rendition(upload, 'thumb', source);
    expect((await renditions.save(first)).result).toBe('saved');
    // The same version again writes the same key: nothing replaced.
    expect(await renditions.save(first)).toEqual({ result: 'saved', replacedKey: null });
    await outcomes.record(verdict(upload, 't1', true, 'THUMBNAIL'));
    const fromThumbnail = { bucket: 'thumbnails', key: thumbnailKey('k', upload.id), eTag: 't1' };
    expect(await renditions.save(rendition(upload, 'thumb', fromThumbnail))).toEqual({
      result: 'saved',
      replacedKey: first.key,
    });
    expect(await db.prisma.cdnInvalidation.count({ where: { path: `/${first.key}` } })).toBe(1);
  });

  /**
   * Runs `sql` in another session and holds its transaction open, saves a rendition of v1 meanwhile,
   * sees the save wait on a row lock (not answered from a snapshot that predates the change),
   * then commits: what the save answers once the change is in.
   */
  async function saveAcross(sql: string, params: string[], what: string) {
    const renditions = new RenditionRepository(db.prisma);
    const { upload, source } = await readyUpload('v1');
    const session = new Client({ connectionString: db.url });
    await session.connect();
    try {
      await session.query('BEGIN');
      await session.query(
        sql,
        params.map((p) => (p === ':upload' ? upload.id : p === ':key' ? upload.originalKey : p)),
      );
      const saving = renditions.save(rendition(upload, 'card', source));
      saving.catch(() => undefined);
      await blockedSave(session, what);
      await session.query('COMMIT');
      return { saved: await saving, rows: await db.prisma.rendition.count({ where: { uploadId: upload.id } }) };
    } finally {
      await session.end();
    }
  }

  it('a save that meets a verdict in flight waits for it, then refuses (never saves for the old version)', async () => {
    const { saved, rows } = await saveAcross(
      `UPDATE stored_objects SET e_tag = 'v2' WHERE bucket = 'originals' AND key = $1`,
      [':key'],
      'the save to wait for the verdict',
    );
    expect(saved.result).toBe('source-gone');
    expect(rows).toBe(0);
  });

  it('a save that meets the owner deleting the upload waits for it, then refuses', async () => {
    const { saved, rows } = await saveAcross(
      'DELETE FROM uploads WHERE id = $1',
      [':upload'],
      'the save to wait for the deletion',
    );
    expect(saved.result).toBe('source-gone');
    expect(rows).toBe(0);
  });
});
