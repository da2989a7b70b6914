import { Provider } from '@nestjs/common';
import { dlqRepositoryProvider } from '@lib/dlq';
import { DlqOperations } from './dlq-operations.service';

/** For app modules that provide APP_CONFIG, QueueRepository and the DatabaseModule. */
export const dlqOperationsProviders: Provider[] = [dlqRepositoryProvider, DlqOperations];
