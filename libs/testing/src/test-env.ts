import { randomBytes } from 'node:crypto';
import type { AwsConfig } from '@lib/config';

/** The emulator endpoint and credentials the global setup exported for this run. */
export function testAws(): AwsConfig {
  const endpoint = process.env.AWS_ENDPOINT_URL;
  if (!endpoint) throw new Error('AWS_ENDPOINT_URL is not set: run tests through jest (test/global-setup.ts)');
  return { region: process.env.AWS_REGION ?? 'us-east-1', endpoint, forcePathStyle: true };
}

/** Bucket- and queue-safe unique names, so test files never share resources. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${randomBytes(4).toString('hex')}`.toLowerCase();
}

export async function waitFor<T>(
  probe: () => Promise<T | undefined | null | false>,
  { timeoutMs = 20_000, intervalMs = 100, what = 'condition' } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value) return value;
    } catch (error) {
      last = error;
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${String(last)}` : ''}`);
}
