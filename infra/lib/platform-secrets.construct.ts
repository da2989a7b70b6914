import { SecretValue, aws_ecs as ecs, aws_secretsmanager as secretsmanager, Validations } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import type { ApiEnvKey, WorkerEnvKey } from '../../libs/config/src/env.schema';

/**
 * The generated secrets of the platform and which container receives which, as the variable its
 * app reads (the names are checked against the apps' key lists). The database secret stays with
 * the database, which makes it.
 *
 * Give it the id 'Default': CDK leaves that id out of logical IDs, so these secrets keep the IDs
 * they had when the stack made them directly. A new logical ID would replace a secret, and with it
 * its value: USER_KEY_SECRET and ERASURE_AUDIT_SALT must never change.
 */
export class PlatformSecrets extends Construct {
  /** X-Origin-Verify value CloudFront adds to render requests; the API checks it. */
  readonly renderOrigin: secretsmanager.Secret;
  readonly userKey: secretsmanager.Secret;
  /** Shared by every API task, so any of them verifies a URL another one signed. */
  readonly renderSigning: secretsmanager.Secret;
  /**
   * HMAC key for the user-id hash an erasure keeps as proof. API and worker must share it,
   * and it must never change: the "is this user erased?" checks look the hash up.
   */
  readonly erasureAuditSalt: secretsmanager.Secret;
  /** Incoming webhook of the worker's DLQ monitor. */
  readonly slackWebhook: secretsmanager.Secret;

  constructor(
    scope: Construct,
    id: string,
    private readonly appName: string,
  ) {
    super(scope, id);
    this.renderOrigin = this.generated(
      'RenderOriginSecret',
      'render-origin-secret',
      'X-Origin-Verify value CloudFront adds to render requests (RENDER_ORIGIN_SECRET)',
      'Rotated by hand with a redeploy: CloudFront and the API must change it together.',
    );
    this.userKey = this.generated(
      'UserKeySecret',
      'user-key-secret',
      'HMAC key of the per-user pseudonym in object keys (USER_KEY_SECRET)',
      "Never rotated: erasure finds a user's objects by the pseudonym, and existing keys carry it.",
    );
    this.erasureAuditSalt = this.generated(
      'ErasureAuditSalt',
      'erasure-audit-salt',
      'HMAC key of erased user ids (ERASURE_AUDIT_SALT)',
      'Rotating it would break the lookups of already erased users, so it is never rotated.',
    );
    this.renderSigning = this.generated(
      'RenderSigningSecret',
      'render-signing-secret',
      'HMAC key of signed render URLs (RENDER_SIGNING_SECRET)',
      'Rotating it invalidates every outstanding render URL (and CDN cache keys stay valid), so it is rotated by hand with a redeploy, not on a schedule.',
    );
    this.slackWebhook = new secretsmanager.Secret(this, 'SlackWebhook', {
      secretName: `${appName}/slack-webhook-url`,
      description: 'Incoming webhook of the worker DLQ monitor, as {"url":"https://hooks.slack.com/..."}',
      // An empty placeholder (the apps read "" as unset); the real URL is put with
      // put-secret-value and never enters a template.
      secretObjectValue: { url: SecretValue.unsafePlainText('') },
    });
    Validations.of(this.slackWebhook).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason: 'Slack issues webhook URLs; Secrets Manager has nothing to rotate them with. Replace by hand if leaked.',
    });
  }

  /** The API container's secrets, besides the database's. */
  forApi(): Partial<Record<ApiEnvKey, ecs.Secret>> {
    return {
      RENDER_SIGNING_SECRET: ecs.Secret.fromSecretsManager(this.renderSigning),
      RENDER_ORIGIN_SECRET: ecs.Secret.fromSecretsManager(this.renderOrigin),
      ERASURE_AUDIT_SALT: ecs.Secret.fromSecretsManager(this.erasureAuditSalt),
      USER_KEY_SECRET: ecs.Secret.fromSecretsManager(this.userKey),
    };
  }

  /** The worker container's secrets, besides the database's. */
  forWorker(): Partial<Record<WorkerEnvKey, ecs.Secret>> {
    return {
      SLACK_WEBHOOK_URL: ecs.Secret.fromSecretsManager(this.slackWebhook, 'url'),
      ERASURE_AUDIT_SALT: ecs.Secret.fromSecretsManager(this.erasureAuditSalt),
      USER_KEY_SECRET: ecs.Secret.fromSecretsManager(this.userKey),
    };
  }

  /** A generated secret that is rotated by hand or never (`rotation` says which, and why). */
  private generated(id: string, name: string, description: string, rotation: string): secretsmanager.Secret {
    const secret = new secretsmanager.Secret(this, id, {
      secretName: `${this.appName}/${name}`,
      description,
      generateSecretString: { passwordLength: 64, excludePunctuation: true },
    });
    Validations.of(secret).acknowledge({ id: 'AwsSolutions-SMG4', reason: rotation });
    return secret;
  }
}
