import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, SharedConfig } from '@lib/config';
import { erasureSubject, ErasureSubject, erasureUserHash, userKeyFor } from '@lib/contracts';
import { ErasureRecord, ErasureRepository } from '@lib/database';

/** The secrets an erasure names a user by; the API, the worker and the CLI share them. */
export type ErasureSecrets = Pick<SharedConfig, 'erasure' | 'userKeySecret'>;

/**
 * Opening and resuming right-to-erasure requests, for the API's routes and the CLI, and the one
 * place the names an erasure knows a user by (audit hash, key pseudonym) are made from the
 * configured secrets. The worker does the deleting.
 */
@Injectable()
export class ErasureRequests {
  constructor(
    @Inject(APP_CONFIG) private readonly config: ErasureSecrets,
    private readonly erasures: ErasureRepository,
  ) {}

  subject(userId: string): ErasureSubject {
    return erasureSubject(userId, {
      auditSalt: this.config.erasure.auditSalt,
      userKeySecret: this.config.userKeySecret,
    });
  }

  /** The salted hash requests are kept (and found) under. */
  userHash(userId: string): string {
    return erasureUserHash(this.config.erasure.auditSalt, userId);
  }

  /** The pseudonym the user's object keys are under. */
  userKey(userId: string): string {
    return userKeyFor(this.config.userKeySecret, userId);
  }

  /**
   * Opens a request, or answers the user's existing one (`created` says which), so a repeated
   * request never starts a second run. Audited as `erasure.requested`.
   */
  request(userId: string, requestedBy: string): Promise<{ record: ErasureRecord; created: boolean }> {
    return this.erasures.request(this.subject(userId), requestedBy);
  }

  /** FAILED back to REQUESTED, from its checkpoint; false when it was not FAILED. Audited. */
  resume(id: string, actor: string): Promise<boolean> {
    return this.erasures.resume(id, actor);
  }

  find(id: string): Promise<ErasureRecord | null> {
    return this.erasures.findById(id);
  }
}
