import { Provider } from '@nestjs/common';
import { dlqRepositoryProvider } from '@lib/dlq';
import { AdminDlqService } from './admin-dlq.service';

export const adminDlqProviders: Provider[] = [dlqRepositoryProvider, AdminDlqService];
