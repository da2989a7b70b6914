import { aws_ecs as ecs, aws_ssm as ssm } from 'aws-cdk-lib';
import { Construct } from 'constructs';

/**
 * Plain (non-secret) settings of the containers as SSM parameters under `/<appName>/config/`,
 * one per environment variable. ECS resolves them when a task starts, so the task definition
 * carries no values and an operator can read the running configuration in one place.
 */
export class RuntimeConfig<Key extends string = string> extends Construct {
  private readonly parameters = new Map<Key, ssm.StringParameter>();

  constructor(
    scope: Construct,
    id: string,
    private readonly appName: string,
  ) {
    super(scope, id);
  }

  /** Variables the containers' apps do not read are a type error (Key: their key lists). */
  set(values: Partial<Record<Key, string>>): void {
    for (const [name, value] of Object.entries(values) as [Key, string][]) {
      if (this.parameters.has(name)) throw new Error(`${name} is already configured`);
      this.parameters.set(
        name,
        new ssm.StringParameter(this, name, { parameterName: `/${this.appName}/config/${name}`, stringValue: value }),
      );
    }
  }

  /**
   * Hands a container every parameter whose variable its app reads (the app's key list from
   * libs/config), in the order they were set; variables with no parameter keep the app's default.
   */
  addTo(container: ecs.ContainerDefinition, appKeys: readonly Key[]): void {
    for (const [name, parameter] of this.parameters) {
      if (appKeys.includes(name)) container.addSecret(name, ecs.Secret.fromSsmParameter(parameter));
    }
  }
}
