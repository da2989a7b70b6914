import { Provider } from '@nestjs/common';
import { ApiConfig, APP_CONFIG } from '@lib/config';
import { DlqRepository } from '@lib/dlq';
import { QueueRepository } from '@lib/queue';
import { AdminDlqService } from './admin-dlq.service';

export const adminDlqProviders: Provider[] = [
  {
    provide: DlqRepository,
    inject: [APP_CONFIG, QueueRepository],
    useFactory: (c: ApiConfig, queue: QueueRepository) =>
      new DlqRepository(queue, {
        deadLetterQueueUrl: c.queue.deadLetterQueueUrl,
        uploadsQueueUrl: c.queue.uploadsQueueUrl,
        peekVisibilitySeconds: c.dlq.peekVisibilitySeconds,
      }),
  },
  AdminDlqService,
];
