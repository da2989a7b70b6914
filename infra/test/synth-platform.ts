import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { createPlatform, Platform } from '../lib/platform.app';

export const ROOT = join(__dirname, '..', '..');

/** Context of a real deployment: every value README's deploy command passes. */
export const PRODUCTION_CONTEXT = {
  region: 'eu-central-1',
  imageTag: '3f2a9c1',
  webOrigins: 'https://app.example.org,https://admin.example.org',
  apiCertificateArn: 'arn:aws:acm:eu-central-1:111122223333:certificate/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0',
  apiDomainName: 'api.example.org',
  authJwksUrl: 'https://login.example.org/.well-known/jwks.json',
  alarmEmail: 'oncall@example.org',
};

export interface SynthesizedPlatform extends Platform {
  app: App;
  template: Template;
  imagesTemplate: Template;
  dispose(): void;
}

/** Synthesizes both stacks the way `npm run infra:synth` does (cdk.json feature flags included). */
export function synthPlatform(context: Record<string, string> = PRODUCTION_CONTEXT): SynthesizedPlatform {
  const cdkJson = JSON.parse(readFileSync(join(ROOT, 'infra', 'cdk.json'), 'utf8')) as {
    context: Record<string, unknown>;
  };
  const outdir = mkdtempSync(join(tmpdir(), 'upload-platform-cdk-'));
  const app = new App({ outdir, context: { ...cdkJson.context, ...context } });
  const platform = createPlatform(app, join(ROOT, 'dist', 'lambda', 's3-event-forwarder'));
  // Synthesis prints its validation report (known warnings) to stderr; keep it for a failure only.
  const printed: unknown[][] = [];
  const quiet = jest.spyOn(console, 'error').mockImplementation((...args: unknown[]) => void printed.push(args));
  try {
    return {
      ...platform,
      app,
      template: Template.fromStack(platform.platform),
      imagesTemplate: Template.fromStack(platform.images),
      dispose: () => rmSync(outdir, { recursive: true, force: true }),
    };
  } catch (error) {
    throw new Error(`${(error as Error).message}\n${printed.map((args) => args.join(' ')).join('\n')}`);
  } finally {
    quiet.mockRestore();
  }
}

type Resources = Record<string, { Type: string; Properties?: Record<string, unknown>; DeletionPolicy?: string }>;

/** The one resource of `type` whose construct path, flattened, is `prefix`. */
export function resource(
  template: Template,
  type: string,
  prefix: string,
): { id: string; props: Record<string, unknown> } {
  // CDK logical ids are the construct path plus an 8-digit hash: this keeps `Uploads` from matching `UploadsDlq`.
  const name = new RegExp(`^${prefix}[0-9A-F]{8}$`);
  const matches = Object.entries(template.findResources(type) as Resources).filter(([id]) => name.test(id));
  if (matches.length !== 1) throw new Error(`expected one ${type} named ${prefix}*, found ${matches.length}`);
  const [id, found] = matches[0]!;
  return { id, props: found.Properties ?? {} };
}
