import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, ApiConfig } from '@lib/config';
import { UploadRepository } from '@lib/database';
import { QueueRepository } from '@lib/queue';
import { ObjectStorageRepository } from '@lib/storage';

export interface DependencyCheck {
  name: string;
  ok: boolean;
  latencyMs: number;
  error?: string;
}

const CHECK_TIMEOUT_MS = 2_000;

@Injectable()
export class HealthService {
  constructor(
    @Inject(APP_CONFIG) private readonly config: ApiConfig,
    private readonly uploads: UploadRepository,
    private readonly storage: ObjectStorageRepository,
    private readonly queue: QueueRepository,
  ) {}

  /** Ready means every dependency answered: a load balancer sends no traffic otherwise. */
  async readiness(): Promise<{ ready: boolean; checks: DependencyCheck[] }> {
    const checks = await Promise.all([
      this.check('postgres', () => this.uploads.ping()),
      this.check('s3', () => this.storage.ping(this.config.storage.originalsBucket)),
      this.check('sqs', () => this.queue.depth(this.config.queue.uploadsQueueUrl)),
    ]);
    return { ready: checks.every((c) => c.ok), checks };
  }

  private async check(name: string, probe: () => Promise<unknown>): Promise<DependencyCheck> {
    const started = performance.now();
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        probe(),
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(new Error(`no answer within ${CHECK_TIMEOUT_MS} ms`)), CHECK_TIMEOUT_MS);
        }),
      ]);
      return { name, ok: true, latencyMs: Math.round(performance.now() - started) };
    } catch (error) {
      return { name, ok: false, latencyMs: Math.round(performance.now() - started), error: (error as Error).message };
    } finally {
      clearTimeout(timer);
    }
  }
}
