import { Inject, Injectable, OnModuleDestroy } from '@nestjs/common';
import { PrismaPg } from '@prisma/adapter-pg';
import { Pool, type QueryResultRow } from 'pg';
import { APP_CONFIG, SharedConfig } from '@lib/config';
import { PrismaClient } from './prisma-client';

/**
 * The Prisma client over node-postgres (driver adapter, no native query engine). Connects
 * lazily on the first query, so an app can boot while the database is still coming up and
 * report it through /readyz instead of crash-looping.
 */
@Injectable()
export class PrismaService extends PrismaClient implements OnModuleDestroy {
  /** The node-postgres pool under the client, shared with `prepared` (one pool, one size). */
  private readonly pool: Pool;

  constructor(@Inject(APP_CONFIG) config: SharedConfig) {
    const pool = new Pool({
      connectionString: config.database.url,
      max: config.database.poolSize,
      connectionTimeoutMillis: 5_000,
    });
    // A connection dropped while idle is discarded by the pool; without a listener the event
    // would end the process (the adapter listens only while Prisma is connected).
    pool.on('error', () => undefined);
    super({ adapter: new PrismaPg(pool) });
    this.pool = pool;
  }

  /**
   * A named statement, parsed and planned once per connection, run on the client's own pool:
   * for a hot path whose cost is Prisma building and compiling the query, not the database
   * (the group-committed upload INSERT). Callers are repositories, wrapping errors in `withDb`.
   */
  async prepared<R extends QueryResultRow>(name: string, text: string, values: unknown[]): Promise<R[]> {
    return (await this.pool.query<R>({ name, text, values })).rows;
  }

  async onModuleDestroy(): Promise<void> {
    await this.$disconnect();
    if (!this.pool.ended) await this.pool.end();
  }
}
