import type { PrismaService } from '@lib/database';
import { ObjectStorageRepository } from '@lib/storage';
import { ApiClient } from './api-client';
import { testPrisma } from './database';
import { devToken, startTestStack, TestStack, TestStackOptions } from './test-stack';

/** Starting LocalStack resources, PostgreSQL and the three apps takes longer than a test. */
const START_TIMEOUT_MS = 120_000;

/**
 * One test stack for a describe block: started before its tests, stopped after them, with the
 * clients a spec reaches for made on first use (and closed with the stack).
 */
export interface StackFixture {
  readonly stack: TestStack;
  /** A Prisma client on the stack's database. */
  readonly prisma: PrismaService;
  /** Direct S3 access to the stack's buckets, as an operator (or an attacker with keys) has. */
  readonly storage: ObjectStorageRepository;
  /** An API client holding a dev token for `userId`. */
  client(userId: string, roles?: string[]): Promise<ApiClient>;
}

export function useTestStack(options: TestStackOptions = {}): StackFixture {
  let stack: TestStack | undefined;
  let prisma: PrismaService | undefined;
  let storage: ObjectStorageRepository | undefined;
  const started = (): TestStack => {
    if (!stack) throw new Error('the test stack is used before beforeAll started it');
    return stack;
  };
  beforeAll(async () => {
    stack = await startTestStack(options);
  }, START_TIMEOUT_MS);
  afterAll(async () => {
    await prisma?.$disconnect();
    await stack?.stop();
  });
  return {
    get stack() {
      return started();
    },
    get prisma() {
      prisma ??= testPrisma(started().env.DATABASE_URL);
      return prisma;
    },
    get storage() {
      storage ??= new ObjectStorageRepository(started().s3);
      return storage;
    },
    async client(userId, roles = []) {
      const { apiUrl } = started();
      return new ApiClient(apiUrl, await devToken(apiUrl, userId, roles));
    },
  };
}
