/**
 * Tells the CDN to drop its cached copies of some paths. Behind an interface so the worker's
 * outbox pass is the same code against CloudFront and in local runs and tests.
 */
export abstract class CdnInvalidator {
  /**
   * Invalidates `paths` (each `/`-rooted, possibly ending in `*`) in one request; `reference`
   * makes a retry of the same batch idempotent. Returns the CDN's id for the invalidation.
   */
  abstract invalidate(paths: string[], reference: string): Promise<string>;
}

export interface RecordedInvalidation {
  id: string;
  paths: string[];
  reference: string;
  at: Date;
}

/**
 * For local runs and tests, where there is no CDN: keeps every call (bounded) so a test can see
 * what would have been invalidated, and answers a repeated reference with the same id.
 */
export class RecordingCdnInvalidator extends CdnInvalidator {
  private readonly recorded: RecordedInvalidation[] = [];

  constructor(private readonly max = 10_000) {
    super();
  }

  get calls(): readonly RecordedInvalidation[] {
    return this.recorded;
  }

  async invalidate(paths: string[], reference: string): Promise<string> {
    const earlier = this.recorded.find((call) => call.reference === reference);
    if (earlier) return earlier.id;
    const call = { id: `local-${this.recorded.length + 1}`, paths: [...paths], reference, at: new Date() };
    this.recorded.push(call);
    if (this.recorded.length > this.max) this.recorded.shift();
    return call.id;
  }
}
