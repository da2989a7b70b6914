import { DynamicModule, Module } from '@nestjs/common';
import { SQSClient } from '@aws-sdk/client-sqs';
import { SqsModule } from '@ssut/nestjs-sqs';
import { awsProviders } from '@lib/aws';
import { globalConfigModule, WorkerConfig } from '@lib/config';
import { DatabaseModule } from '@lib/database';
import { ErasureRequests } from '@lib/operations';
import { cdnProviders } from './cdn/cdn.providers';
import { ConsumerDrainService } from './consumer-drain.service';
import { dlqMonitorProviders } from './dlq/dlq-monitor.providers';
import { ObjectIngestService } from './ingest/object-ingest.service';
import { uploadPollers, UploadEventHandler } from './ingest/upload-event.handler';
import { ExpiryJob } from './expiry/expiry.job';
import { MultipartCloseJob } from './multipart/multipart-close.job';
import { ReconciliationService } from './reconciliation/reconciliation.service';
import { RenditionService } from './renditions/rendition.service';
import { BackgroundItems } from './scheduling/background-items';
import { SweepScheduler } from './sweep/sweep.scheduler';
import { SweepService } from './sweep/sweep.service';
import { ThumbnailJob } from './thumbnails/thumbnail.job';
import { MetricsServer } from './observability/metrics.server';
import { WorkerMetrics } from './observability/worker.metrics';
import { ErasureAlerts } from './erasure/erasure-alerts';
import { ErasureRunner } from './erasure/erasure.runner';
import { ErasureScheduler } from './erasure/erasure.scheduler';

@Module({})
export class WorkerModule {
  static forRoot(config: WorkerConfig): DynamicModule {
    return {
      module: WorkerModule,
      imports: [
        globalConfigModule(config, awsProviders),
        DatabaseModule,
        SqsModule.registerAsync({
          inject: [SQSClient],
          useFactory: (sqs: SQSClient) => ({
            consumers: uploadPollers(config.consumer.pollers).map((name) => ({
              name,
              queueUrl: config.queue.uploadsQueueUrl,
              sqs,
              batchSize: config.consumer.batchSize,
              visibilityTimeout: config.consumer.visibilityTimeoutSeconds,
              heartbeatInterval: config.consumer.heartbeatSeconds,
              waitTimeSeconds: config.consumer.waitTimeSeconds,
              // Lets stop() wait for the batch in flight instead of abandoning it.
              pollingCompleteWaitTimeMs: config.consumer.shutdownGraceSeconds * 1000,
              messageSystemAttributeNames: ['ApproximateReceiveCount'],
              messageAttributeNames: ['All'],
            })),
          }),
        }),
      ],
      providers: [
        ObjectIngestService,
        UploadEventHandler,
        ConsumerDrainService,
        BackgroundItems,
        ThumbnailJob,
        RenditionService,
        ExpiryJob,
        ReconciliationService,
        MultipartCloseJob,
        SweepService,
        SweepScheduler,
        WorkerMetrics,
        MetricsServer,
        ...dlqMonitorProviders,
        ErasureRequests,
        ErasureAlerts,
        ErasureRunner,
        ErasureScheduler,
        ...cdnProviders,
      ],
    };
  }
}
