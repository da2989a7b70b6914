import {
  DynamicModule,
  Injectable,
  INestApplicationContext,
  Module,
  OnApplicationShutdown,
  Provider,
} from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';
import { awsProviders } from '@lib/aws';
import { globalConfigModule, WorkerConfig } from '@lib/config';
import { DatabaseModule } from '@lib/database';
import { dlqOperationsProviders, ErasureRequests, ErasureSecrets } from '@lib/operations';

/** The erasure commands need only the database and the erasure secrets, not the queues or S3. */
export type ErasureCliConfig = ErasureSecrets & Pick<WorkerConfig, 'database'>;

/** The SDK clients keep sockets open; a command run in-process (the tests) must not leak them. */
@Injectable()
class AwsClientsShutdown implements OnApplicationShutdown {
  constructor(
    private readonly s3: S3Client,
    private readonly sqs: SQSClient,
  ) {}

  onApplicationShutdown(): void {
    this.s3.destroy();
    this.sqs.destroy();
  }
}

/** One application context per command, holding only what that command uses. */
@Module({})
export class OpsCliModule {
  static forDlq(config: WorkerConfig): DynamicModule {
    return OpsCliModule.with(config, [...awsProviders, AwsClientsShutdown, ...dlqOperationsProviders]);
  }

  static forErasure(config: ErasureCliConfig): DynamicModule {
    return OpsCliModule.with(config, [ErasureRequests]);
  }

  private static with(config: object, providers: Provider[]): DynamicModule {
    return { module: OpsCliModule, imports: [globalConfigModule(config), DatabaseModule], providers };
  }
}

/**
 * Runs `use` inside a Nest application context and closes it after (the database pool, the AWS
 * clients). Nest logs nothing: the commands' output is theirs alone (--json is parsed by scripts),
 * and a failure to start is thrown to the command instead of ending the process.
 */
export async function withOpsContext<T>(
  module: DynamicModule,
  use: (app: INestApplicationContext) => Promise<T>,
): Promise<T> {
  const app = await NestFactory.createApplicationContext(module, { logger: false, abortOnError: false });
  try {
    return await use(app);
  } finally {
    await app.close();
  }
}
