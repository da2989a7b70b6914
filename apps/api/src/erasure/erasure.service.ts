import { Injectable } from '@nestjs/common';
import { ErasureRepository, toErasureStatus } from '@lib/database';
import { errors } from '@lib/errors';
import { ErasureRequests } from '@lib/operations';
import { ACTIVE_USERS_MAX } from '../auth/user-key.service';
import { BoundedMemo } from '../common/bounded-memo';
import type { ErasureStatusDto } from './erasure.dto';

/** Opens erasure requests and reports on them; the worker does the deleting. */
@Injectable()
export class ErasureService {
  /** Every upload's INSERT checks the erasure state by this hash: one HMAC per user, not per request. */
  private readonly hashes: BoundedMemo<string, string>;

  constructor(
    private readonly requests: ErasureRequests,
    private readonly erasures: ErasureRepository,
  ) {
    this.hashes = new BoundedMemo(ACTIVE_USERS_MAX, (userId) => requests.userHash(userId));
  }

  /** A repeated request answers the open one instead of starting a second run. */
  async request(userId: string, requestedBy: string): Promise<ErasureStatusDto> {
    const { record } = await this.requests.request(userId, requestedBy);
    return toErasureStatus(record);
  }

  async get(id: string): Promise<ErasureStatusDto> {
    const record = await this.erasures.findById(id);
    if (!record) throw errors.notFound('Erasure request', id);
    return toErasureStatus(record);
  }

  async own(userId: string): Promise<ErasureStatusDto> {
    const record = await this.erasures.findLatestForUser(this.hash(userId));
    if (!record) throw errors.notFound('Erasure request for user', 'me');
    return toErasureStatus(record);
  }

  async resume(id: string, actor: string): Promise<ErasureStatusDto> {
    if (!(await this.requests.resume(id, actor))) {
      await this.get(id);
      throw errors.conflict('Only a FAILED erasure request can be resumed.');
    }
    return this.get(id);
  }

  /**
   * From the moment a request exists the account is read-only: nothing new may arrive. New
   * uploads check this inside their INSERT (by `userHash`); this is for the other paths.
   */
  async assertCanUpload(userId: string): Promise<void> {
    if (await this.erasures.isErased(this.hash(userId))) throw errors.accountBeingErased();
  }

  /** From the moment a request exists: nothing of the user is served any more. */
  async isErased(userId: string): Promise<boolean> {
    return this.erasures.isErased(this.hash(userId));
  }

  /** The salted hash erasure requests are kept under. */
  userHash(userId: string): string {
    return this.hash(userId);
  }

  private hash(userId: string): string {
    return this.hashes.get(userId);
  }
}
