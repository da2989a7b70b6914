import { App, Tags, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { ImageRepositoriesStack } from './image-repositories.stack';
import { readSettings } from './platform.settings';
import { UploadPlatformStack } from './upload-platform.stack';

export interface Platform {
  images: ImageRepositoriesStack;
  platform: UploadPlatformStack;
}

/**
 * Both stacks with cdk-nag's AwsSolutions checks; the CDK app and the tests build the same tree.
 * The stacks are bound to a region (context `region`) but to no account, so synthesis needs
 * no AWS account and no lookups.
 */
export function createPlatform(app: App, forwarderBundleDir: string): Platform {
  const settings = readSettings(app.node);
  const env = { region: settings.region };
  const images = new ImageRepositoriesStack(app, 'UploadPlatformImages', {
    env,
    stackName: `${settings.appName}-images`,
    description: 'ECR repositories of the upload platform images',
    appName: settings.appName,
  });
  const platform = new UploadPlatformStack(app, 'UploadPlatform', {
    env,
    stackName: settings.appName,
    description: 'Presigned-upload image platform: S3, Lambda forwarder, SQS, Aurora, ECS Fargate, CloudFront',
    settings,
    forwarderBundleDir,
    terminationProtection: true,
  });
  // No exports between the two (repositories are found by name); this only orders `cdk deploy --all`.
  platform.addStackDependency(images);
  Tags.of(app).add('app', settings.appName);
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
  return { images, platform };
}
