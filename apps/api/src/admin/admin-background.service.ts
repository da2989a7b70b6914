import { Injectable } from '@nestjs/common';
import { AuditRepository, BackgroundFailureRepository } from '@lib/database';
import type { AuthUser } from '../auth/auth-user';
import type {
  BackgroundFailureListDto,
  BackgroundRetryRequestDto,
  BackgroundRetryResultDto,
} from './admin-background.dto';

/** What the worker's background passes gave up on (or are still retrying), for admins. */
@Injectable()
export class AdminBackgroundService {
  constructor(
    private readonly failures: BackgroundFailureRepository,
    private readonly audit: AuditRepository,
  ) {}

  async list(options: { failedOnly?: boolean; limit?: number }): Promise<BackgroundFailureListDto> {
    const rows = await this.failures.list({ failedOnly: options.failedOnly ?? false, limit: options.limit ?? 50 });
    return {
      items: rows.map((row) => ({
        pass: row.pass,
        itemId: row.itemId,
        attempts: row.attempts,
        lastError: row.lastError,
        retryAt: row.retryAt.toISOString(),
        failedAt: row.failedAt?.toISOString() ?? null,
        firstFailedAt: row.firstFailedAt.toISOString(),
      })),
    };
  }

  /** Forgets the failure, so the next pass takes the item again with a fresh count of attempts. */
  async retry(user: AuthUser, request: BackgroundRetryRequestDto): Promise<BackgroundRetryResultDto> {
    const retried = await this.failures.retry(request.pass, request.itemId);
    await this.audit.record({
      actor: user.id,
      action: 'background.retry',
      target: `${request.pass}:${request.itemId}`,
      count: retried ? 1 : 0,
    });
    return { retried };
  }
}
