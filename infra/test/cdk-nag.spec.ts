import { Validations } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { PRODUCTION_CONTEXT, SynthesizedPlatform, synthPlatform } from './synth-platform';

/** Every acknowledgement in the tree, with the construct it sits on. */
function acknowledgements(root: IConstruct): { path: string; id: string; reason: string }[] {
  return root.node.findAll().flatMap((construct) =>
    construct.node.metadata
      .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((entry) =>
        Object.entries(entry.data as Record<string, string>).map(([id, reason]) => ({
          path: construct.node.path,
          id,
          reason,
        })),
      ),
  );
}

function errors(synth: SynthesizedPlatform): string[] {
  return new AwsSolutionsChecks()
    .validateScope(synth.app)
    .violations.filter((violation) => violation.severity === 'error')
    .map(
      (violation) => `${violation.ruleName} at ${violation.violatingResources.map((r) => r.constructPath).join(', ')}`,
    );
}

/** What the pack finds when nothing is acknowledged. */
function rawFindings(synth: SynthesizedPlatform): Set<string> {
  const checks = new AwsSolutionsChecks();
  Object.assign(checks, { isAcknowledged: () => false });
  return new Set(checks.validateScope(synth.app).violations.map((violation) => violation.ruleName));
}

// Two shapes: the one README's deploy command produces, and the bare `npm run infra:synth` one
// (plain-HTTP listener, example values), which must pass the same checks.
const shapes: [string, Record<string, string>][] = [
  ['production context', PRODUCTION_CONTEXT],
  ['default context', {}],
];

describe.each(shapes)('cdk-nag AwsSolutions with the %s', (_name, context) => {
  let synth: SynthesizedPlatform;
  beforeAll(() => {
    synth = synthPlatform(context);
  });
  afterAll(() => synth?.dispose());

  it('reports no unacknowledged error', () => {
    expect(errors(synth)).toEqual([]);
  });

  it('gives every acknowledgement a written reason', () => {
    const acks = acknowledgements(synth.app);
    expect(acks.length).toBeGreaterThan(0);
    expect(acks.filter((ack) => ack.reason.trim().length < 40)).toEqual([]);
  });

  it('acknowledges only findings the pack really reports', () => {
    const raw = rawFindings(synth);
    const stale = acknowledgements(synth.app)
      .map((ack) => ({ ...ack, id: ack.id.replace(/^annotation::/i, '') }))
      .filter((ack) => ack.id.startsWith('AwsSolutions-') && !raw.has(ack.id));
    expect(stale).toEqual([]);
  });

  if (Object.keys(context).length === 0) {
    it('warns that deploy-relevant context was left at its example values', () => {
      const quiet = jest.spyOn(console, 'error').mockImplementation(() => undefined);
      try {
        Annotations.fromStack(synth.platform).hasWarning(
          '*',
          Match.stringLikeRegexp('example defaults for region, imageTag, webOrigins, authJwksUrl, apiCertificateArn'),
        );
      } finally {
        quiet.mockRestore();
      }
    });
  }
});
