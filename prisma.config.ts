import { PrismaPg } from '@prisma/adapter-pg';
import type { PrismaConfig } from 'prisma';
import { databaseUrl } from './libs/config/src/database-url';

// schema.prisma reads env("DATABASE_URL"); give the CLI the same default as the apps.
process.env.DATABASE_URL = databaseUrl(process.env);

// The JS schema engine (WebAssembly, bundled with the CLI) works offline; the native one
// would be downloaded on first use, which these machines cannot do.
export default {
  experimental: { adapter: true },
  engine: 'js',
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
  adapter: async () => new PrismaPg({ connectionString: databaseUrl(process.env) }),
} satisfies PrismaConfig;
