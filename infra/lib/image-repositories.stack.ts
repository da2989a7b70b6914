import { RemovalPolicy, Stack, StackProps, aws_ecr as ecr } from 'aws-cdk-lib';
import { Construct } from 'constructs';

export const IMAGE_NAMES = ['api', 'worker', 'migrate'] as const;
export type ImageName = (typeof IMAGE_NAMES)[number];

/** The platform stack finds the repositories by this name, so the stacks share no exports. */
export function imageRepositoryName(appName: string, image: ImageName): string {
  return `${appName}/${image}`;
}

export interface ImageRepositoriesStackProps extends StackProps {
  appName: string;
}

/**
 * ECR repositories, in their own stack because images must be pushed before the services that
 * run them can be created. Tags are immutable: a tag names one build forever, so rolling back is
 * redeploying an older tag.
 */
export class ImageRepositoriesStack extends Stack {
  readonly repositories: Record<ImageName, ecr.Repository>;

  constructor(scope: Construct, id: string, props: ImageRepositoriesStackProps) {
    super(scope, id, props);
    const entries = IMAGE_NAMES.map((name) => {
      const repository = new ecr.Repository(this, name, {
        repositoryName: imageRepositoryName(props.appName, name),
        imageTagMutability: ecr.TagMutability.IMMUTABLE,
        imageScanOnPush: true,
        lifecycleRules: [{ description: 'Keep the last 50 builds', maxImageCount: 50 }],
        removalPolicy: RemovalPolicy.RETAIN,
      });
      return [name, repository] as const;
    });
    this.repositories = Object.fromEntries(entries) as Record<ImageName, ecr.Repository>;
  }
}
