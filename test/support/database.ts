import type { SharedConfig } from '@lib/config';
import { PrismaService } from '@lib/database';

/** A direct connection to this run's database, for asserting on rows. */
export function testPrisma(url = process.env.DATABASE_URL!): PrismaService {
  return new PrismaService({ database: { url, poolSize: 2 } } as SharedConfig);
}
