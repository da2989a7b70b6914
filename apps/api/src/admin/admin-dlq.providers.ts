import { Provider } from '@nestjs/common';
import { dlqOperationsProviders } from '@lib/operations';
import { AdminDlqService } from './admin-dlq.service';

export const adminDlqProviders: Provider[] = [...dlqOperationsProviders, AdminDlqService];
