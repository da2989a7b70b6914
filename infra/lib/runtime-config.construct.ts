import { aws_ecs as ecs, aws_ssm as ssm } from 'aws-cdk-lib';
import { Construct } from 'constructs';

/**
 * Plain (non-secret) settings of the containers as SSM parameters under `/<appName>/config/`,
 * one per environment variable. ECS resolves them when a task starts, so the task definition
 * carries no values and an operator can read the running configuration in one place.
 */
export class RuntimeConfig extends Construct {
  private readonly parameters = new Map<string, ssm.StringParameter>();

  constructor(
    scope: Construct,
    id: string,
    private readonly appName: string,
  ) {
    super(scope, id);
  }

  set(values: Record<string, string>): void {
    for (const [name, value] of Object.entries(values)) {
      if (this.parameters.has(name)) throw new Error(`${name} is already configured`);
      this.parameters.set(
        name,
        new ssm.StringParameter(this, name, { parameterName: `/${this.appName}/config/${name}`, stringValue: value }),
      );
    }
  }

  /** Hands the named parameters to a container; a name nobody set is a wiring mistake. */
  addTo(container: ecs.ContainerDefinition, names: readonly string[]): void {
    for (const name of names) {
      const parameter = this.parameters.get(name);
      if (!parameter) throw new Error(`${name} has no SSM parameter`);
      container.addSecret(name, ecs.Secret.fromSsmParameter(parameter));
    }
  }
}
