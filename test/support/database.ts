import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { LOCAL_USER_KEY_SECRET, SharedConfig } from '@lib/config';
import { originalKey, userKeyFor } from '@lib/contracts';
import { NewUpload, PrismaService } from '@lib/database';

/** A direct connection to this run's database, for asserting on rows. */
export function testPrisma(url = process.env.DATABASE_URL!): PrismaService {
  return new PrismaService({ database: { url, poolSize: 2 } } as SharedConfig);
}

/**
 * A migrated database of its own for one test file, for code that claims "any open row" (the
 * erasure runner) and so must not see rows other test files create at the same time.
 */
export async function isolatedDatabase(tag: string): Promise<{ url: string; drop(): Promise<void> }> {
  const base = new URL(process.env.DATABASE_URL!);
  const name = `${base.pathname.slice(1)}_${tag}`;
  const admin = new Client({ connectionString: Object.assign(new URL(base), { pathname: '/postgres' }).toString() });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  await admin.query(`CREATE DATABASE "${name}"`);
  const url = Object.assign(new URL(base), { pathname: `/${name}` }).toString();
  const migrate = spawnSync('npx', ['prisma', 'migrate', 'deploy'], {
    env: { ...process.env, DATABASE_URL: url },
    encoding: 'utf8',
  });
  if (migrate.status !== 0) throw new Error(`prisma migrate deploy failed:\n${migrate.stdout}\n${migrate.stderr}`);
  return {
    url,
    async drop() {
      await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await admin.end();
    },
  };
}

/**
 * Gives the calling describe block a database of its own (see isolatedDatabase) for its duration,
 * with a client on it. Read `prisma` and `url` inside hooks and tests: they exist from beforeAll on.
 */
export function useIsolatedDatabase(tag: string): { readonly prisma: PrismaService; readonly url: string } {
  let database: Awaited<ReturnType<typeof isolatedDatabase>> | undefined;
  let prisma: PrismaService | undefined;
  beforeAll(async () => {
    database = await isolatedDatabase(tag);
    prisma = testPrisma(database.url);
  }, 120_000);
  afterAll(async () => {
    await prisma?.$disconnect();
    await database?.drop();
  });
  const ready = () => {
    if (!database || !prisma) throw new Error(`the ${tag} database exists only inside hooks and tests`);
    return { database, prisma };
  };
  return {
    get prisma() {
      return ready().prisma;
    },
    get url() {
      return ready().database.url;
    },
  };
}

/** A PENDING upload of a small JPEG original, as the API would issue it, for seeding rows. */
export function newUploadRow(userId: string, id: string = randomUUID()): NewUpload {
  return {
    id,
    userId,
    filename: 'a.jpg',
    contentType: 'image/jpeg',
    size: 10,
    checksumSha256: null,
    originalKey: originalKey(userKeyFor(LOCAL_USER_KEY_SECRET, userId), id),
    thumbnailKey: null,
    thumbnailContentType: null,
    thumbnailSize: null,
    thumbnailChecksumSha256: null,
    multipartUploadId: null,
    multipartPartSize: null,
    multipartPartCount: null,
    idempotencyKey: null,
    requestHash: null,
    expiresAt: new Date(Date.now() + 60_000),
  };
}

/** Stores an upload row as given (no erasure or cap check): the seeding the API never does. */
export async function insertUpload(prisma: PrismaService, upload: NewUpload): Promise<void> {
  await prisma.upload.create({ data: upload });
}

/**
 * Wraps one method of a real repository so that its first call with an upload id deletes that
 * upload first: the owner removing the image while the worker is still on it, made certain.
 */
export function deletingUploadFirst<R, K extends keyof R>(
  prisma: PrismaService,
  repository: R,
  method: K,
  uploadIdOf: (...args: Parameters<Extract<R[K], (...a: never[]) => unknown>>) => string | null,
): R {
  const original = (repository[method] as (...a: unknown[]) => unknown).bind(repository);
  let raced = false;
  const wrapped = async (...args: Parameters<typeof uploadIdOf>): Promise<unknown> => {
    const uploadId = uploadIdOf(...args);
    if (!raced && uploadId) {
      raced = true;
      await prisma.upload.delete({ where: { id: uploadId } });
    }
    return original(...args);
  };
  Object.assign(repository as object, { [method]: wrapped });
  return repository;
}
