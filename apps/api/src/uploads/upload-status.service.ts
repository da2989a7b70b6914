import { Inject, Injectable, OnModuleDestroy } from '@nestjs/common';
import { APP_CONFIG, ApiConfig } from '@lib/config';
import { isUndecided } from '@lib/contracts';
import { ImageRepository, UploadRecord, UploadRepository, UploadStatusListener } from '@lib/database';
import { errors } from '@lib/errors';
import type { AuthUser } from '../auth/auth-user';
import { ImageUrlService } from '../images/image-url.service';
import { toImageDto } from '../images/image.dto';
import { ApiMetrics } from '../observability/api.metrics';
import { StatusWaiters } from './status-waiters';
import { toUploadStatusDto, UploadStatusDto } from './upload.dto';

/**
 * An upload's status, optionally held until the worker has decided (long-poll). A held request
 * subscribes to the upload's change notifications before it reads the status, so a verdict
 * committed between the read and the wait still wakes it; every wake reads the row again.
 */
@Injectable()
export class UploadStatusService implements OnModuleDestroy {
  private readonly waiters: StatusWaiters;

  constructor(
    @Inject(APP_CONFIG) config: ApiConfig,
    private readonly uploads: UploadRepository,
    private readonly images: ImageRepository,
    private readonly imageUrls: ImageUrlService,
    private readonly listener: UploadStatusListener,
    private readonly metrics: ApiMetrics,
  ) {
    this.waiters = new StatusWaiters(config.statusWaiters.max, config.statusWaiters.perUser);
  }

  async status(
    user: AuthUser,
    uploadId: string,
    waitSeconds: number,
    clientGone: AbortSignal,
  ): Promise<UploadStatusDto> {
    const upload =
      waitSeconds > 0 && !this.waiters.shuttingDown
        ? await this.waitForDecision(user, uploadId, waitSeconds * 1000, clientGone)
        : await this.uploads.findOwned(user.id, uploadId);
    if (!upload) throw errors.notFound('Upload', uploadId);
    const image = upload.status === 'READY' ? await this.images.findByUpload(upload.id) : null;
    return toUploadStatusDto(upload, image ? toImageDto(image, await this.imageUrls.urlsFor(image)) : undefined);
  }

  /** Graceful shutdown: held requests answer with what they last read, before the server closes. */
  onModuleDestroy(): void {
    this.waiters.wakeAll();
  }

  private async waitForDecision(
    user: AuthUser,
    uploadId: string,
    waitMs: number,
    clientGone: AbortSignal,
  ): Promise<UploadRecord | null> {
    const waiter = this.waiters.acquire(user.id);
    this.metrics.statusWaiters.inc();
    const unsubscribe = this.listener.subscribe(uploadId, () => waiter.notify());
    const deadline = Date.now() + waitMs;
    try {
      await this.listener.listening();
      let upload = await this.uploads.findOwned(user.id, uploadId);
      while (upload && isUndecided(upload.status)) {
        const reason = await waiter.wait(deadline - Date.now(), clientGone);
        this.metrics.statusWakes.inc({ reason });
        if (reason !== 'changed') break;
        // After a lost LISTEN session this listens again first, then reads: nothing slips between.
        await this.listener.listening();
        upload = await this.uploads.findOwned(user.id, uploadId);
      }
      return upload;
    } finally {
      unsubscribe();
      waiter.close();
      this.metrics.statusWaiters.dec();
    }
  }
}
