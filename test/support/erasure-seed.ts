import { randomUUID } from 'node:crypto';
import {
  GetBucketNotificationConfigurationCommand,
  PutBucketNotificationConfigurationCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { LOCAL_USER_KEY_SECRET } from '@lib/config';
import { originalKey, thumbnailKey, userKeyFor } from '@lib/contracts';
import type { PrismaService } from '@lib/database';
import { ObjectStorageRepository } from '@lib/storage';

export interface SeededUser {
  uploadIds: string[];
  /** Every key seeded, by bucket. */
  keys: { bucket: string; key: string }[];
}

const ROW_CHUNK = 5_000;

/**
 * READY uploads with their image and both stored-object rows, inserted with one multi-row
 * statement per chunk (unnest of an id array) rather than row by row.
 */
export async function seedUserRows(
  prisma: PrismaService,
  userId: string,
  count: number,
  buckets: { originalsBucket: string; thumbnailsBucket: string },
  userKeySecret = LOCAL_USER_KEY_SECRET,
): Promise<SeededUser> {
  const userKey = userKeyFor(userKeySecret, userId);
  const uploadIds = Array.from({ length: count }, () => randomUUID());
  const { originalsBucket: ob, thumbnailsBucket: tb } = buckets;
  for (let i = 0; i < uploadIds.length; i += ROW_CHUNK) {
    const ids = uploadIds.slice(i, i + ROW_CHUNK);
    await prisma.$executeRaw`
      INSERT INTO uploads (id, user_id, filename, content_type, size, original_key, thumbnail_key, status, expires_at)
      SELECT id, ${userId}, 'holiday-' || id || '.jpg', 'image/jpeg', 4,
        'originals/' || ${userKey} || '/' || id, 'thumbnails/' || ${userKey} || '/' || id, 'READY', now()
      FROM unnest(${ids}::uuid[]) AS id`;
    await prisma.$executeRaw`
      INSERT INTO images (id, upload_id, user_id, bucket, key, content_type, bytes, width, height, e_tag, sequencer)
      SELECT gen_random_uuid(), id, ${userId}, ${ob}, 'originals/' || ${userKey} || '/' || id,
        'image/jpeg', 4, 1, 1, 'e', '0'
      FROM unnest(${ids}::uuid[]) AS id`;
    await prisma.$executeRaw`
      INSERT INTO stored_objects (bucket, key, upload_id, role, sequencer, e_tag, bytes, accepted)
      SELECT b.bucket, b.prefix || ${userKey} || '/' || id, id, b.role::"ObjectRole", '0', 'e', 4, true
      FROM unnest(${ids}::uuid[]) AS id,
        (VALUES (${ob}, 'originals/', 'ORIGINAL'), (${tb}, 'thumbnails/', 'THUMBNAIL')) AS b(bucket, prefix, role)`;
  }
  const keys = uploadIds.flatMap((id) => [
    { bucket: ob, key: originalKey(userKey, id) },
    { bucket: tb, key: thumbnailKey(userKey, id) },
  ]);
  return { uploadIds, keys };
}

/** Small objects put with bounded concurrency, so the emulator is busy but not swamped. */
export async function putObjects(
  s3: S3Client,
  keys: { bucket: string; key: string }[],
  concurrency = 16,
): Promise<void> {
  const storage = new ObjectStorageRepository(s3);
  const body = Buffer.from('img!');
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < keys.length) {
        const { bucket, key } = keys[next++]!;
        await storage.put(bucket, key, body, 'image/jpeg');
      }
    }),
  );
}

/**
 * Runs `seed` with the buckets' S3 notifications off, so thousands of seeded objects do not
 * each become an event for the worker to judge (and, not being images, delete).
 */
export async function withoutNotifications<T>(s3: S3Client, buckets: string[], seed: () => Promise<T>): Promise<T> {
  const saved = await Promise.all(
    buckets.map((Bucket) => s3.send(new GetBucketNotificationConfigurationCommand({ Bucket }))),
  );
  await Promise.all(
    buckets.map((Bucket) =>
      s3.send(new PutBucketNotificationConfigurationCommand({ Bucket, NotificationConfiguration: {} })),
    ),
  );
  try {
    return await seed();
  } finally {
    await Promise.all(
      buckets.map((Bucket, i) => {
        const { $metadata: _, ...NotificationConfiguration } = saved[i]!;
        return s3.send(new PutBucketNotificationConfigurationCommand({ Bucket, NotificationConfiguration }));
      }),
    );
  }
}
