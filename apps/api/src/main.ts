import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { loadApiConfig } from '@lib/config';
import { createApiApp } from './app.factory';

async function bootstrap(): Promise<void> {
  const config = loadApiConfig(process.env);
  const app = await createApiApp(config);
  await app.listen({ host: config.host, port: config.port });
  new Logger('Api').log({
    msg: 'api listening',
    url: config.publicBaseUrl,
    ...(config.docsEnabled ? { docs: `${config.publicBaseUrl}/docs` } : {}),
  });
}

bootstrap().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
