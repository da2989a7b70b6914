import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, ApiConfig } from '@lib/config';
import { userKeyFor } from '@lib/contracts';
import { BoundedMemo } from '../common/bounded-memo';

/** Active users per process whose pseudonyms and hashes are kept: a few MB at most. */
export const ACTIVE_USERS_MAX = 10_000;

/**
 * Users' pseudonyms (object-key prefixes, request-line `user`). An HMAC per request showed in the
 * upload route's profile; a user's pseudonym never changes while the secret does not, so each is
 * computed once and the most recently active users' are kept.
 */
@Injectable()
export class UserKeyService {
  private readonly keys: BoundedMemo<string, string>;

  constructor(@Inject(APP_CONFIG) config: ApiConfig) {
    const secret = config.userKeySecret;
    this.keys = new BoundedMemo(ACTIVE_USERS_MAX, (userId) => userKeyFor(secret, userId));
  }

  of(userId: string): string {
    return this.keys.get(userId);
  }
}
