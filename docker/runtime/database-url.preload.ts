// Loaded with `node --require` before the app or the Prisma CLI. ECS injects the Aurora secret
// as one JSON string (DATABASE_SECRET); the apps read DATABASE_URL. Building it here, inside the
// same process, keeps the password out of task definitions and needs no shell in the entry point.

export interface DatabaseSecret {
  username: string;
  password: string;
  host: string;
  port: number | string;
  dbname: string;
}

/** verify-full: TLS, and the server's certificate must chain to the RDS CA bundle in the image. */
export function databaseUrlFromSecret(json: string, sslmode = 'verify-full'): string {
  const secret = JSON.parse(json) as Partial<DatabaseSecret>;
  const missing = (['username', 'password', 'host', 'port', 'dbname'] as const).filter((key) => !secret[key]);
  if (missing.length > 0) throw new Error(`DATABASE_SECRET lacks ${missing.join(', ')}`);
  // Every part encoded by hand: URL's own setters leave a bare "%" alone, which pg then misreads.
  const encode = encodeURIComponent;
  const query = new URLSearchParams({ sslmode }).toString();
  return `postgresql://${encode(secret.username!)}:${encode(secret.password!)}@${secret.host}:${secret.port}/${encode(secret.dbname!)}?${query}`;
}

if (!process.env.DATABASE_URL && process.env.DATABASE_SECRET) {
  process.env.DATABASE_URL = databaseUrlFromSecret(process.env.DATABASE_SECRET);
  // Nothing after this point needs the raw secret; child processes should not inherit it.
  delete process.env.DATABASE_SECRET;
}
