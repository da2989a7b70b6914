import { CloudFrontClient, CreateInvalidationCommand } from '@aws-sdk/client-cloudfront';
import { withAws } from '@lib/errors';
import { CdnInvalidator } from './cdn-invalidator';

/** CreateInvalidation on one distribution; CloudFront dedupes a repeated CallerReference. */
export class CloudFrontInvalidator extends CdnInvalidator {
  constructor(
    private readonly client: CloudFrontClient,
    private readonly distributionId: string,
  ) {
    super();
  }

  async invalidate(paths: string[], reference: string): Promise<string> {
    return withAws('CloudFront', async () => {
      const result = await this.client.send(
        new CreateInvalidationCommand({
          DistributionId: this.distributionId,
          InvalidationBatch: { CallerReference: reference, Paths: { Quantity: paths.length, Items: paths } },
        }),
      );
      return result.Invalidation?.Id ?? reference;
    });
  }
}
