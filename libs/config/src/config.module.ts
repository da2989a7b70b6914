import { DynamicModule, Provider } from '@nestjs/common';
import { APP_CONFIG } from './config.tokens';

/**
 * Makes an app's validated config injectable everywhere as APP_CONFIG, with the providers that
 * are built from it (the AWS clients), so every module of the app shares one of each.
 */
export function globalConfigModule(config: object, providers: Provider[] = []): DynamicModule {
  return {
    module: class AppConfigModule {},
    global: true,
    providers: [{ provide: APP_CONFIG, useValue: config }, ...providers],
    exports: [APP_CONFIG, ...providers.map((p) => ('provide' in p ? p.provide : p))],
  };
}
