import { Inject, Injectable, OnModuleDestroy } from '@nestjs/common';
import { PrismaPg } from '@prisma/adapter-pg';
import { APP_CONFIG, SharedConfig } from '@lib/config';
import { PrismaClient } from '../../../generated/prisma/client';

/**
 * The Prisma client over node-postgres (driver adapter, no native query engine). Connects
 * lazily on the first query, so an app can boot while the database is still coming up and
 * report it through /readyz instead of crash-looping.
 */
@Injectable()
export class PrismaService extends PrismaClient implements OnModuleDestroy {
  constructor(@Inject(APP_CONFIG) config: SharedConfig) {
    super({
      adapter: new PrismaPg({
        connectionString: config.database.url,
        max: config.database.poolSize,
        connectionTimeoutMillis: 5_000,
      }),
    });
  }

  async onModuleDestroy(): Promise<void> {
    await this.$disconnect();
  }
}
