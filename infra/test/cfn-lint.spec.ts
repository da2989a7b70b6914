import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PRODUCTION_CONTEXT, ROOT, synthPlatform } from './synth-platform';

const CFN_LINT_DIR = join(ROOT, '.venv', 'cfn-lint');

describe.each([
  ['a production context', PRODUCTION_CONTEXT],
  ['the example defaults', {}],
])('cfn-lint on the templates synthesized with %s', (_name, context) => {
  it('finds no error and no warning but those infra/cfn-lint.yaml explains', () => {
    expect({ installed: existsSync(join(CFN_LINT_DIR, 'bin', 'cfn-lint')), fix: 'npm run setup' }).toEqual({
      installed: true,
      fix: 'npm run setup',
    });
    const synth = synthPlatform(context);
    const dir = mkdtempSync(join(tmpdir(), 'cfn-lint-'));
    try {
      const templates = [
        ['UploadPlatform.template.json', synth.template],
        ['UploadPlatformImages.template.json', synth.imagesTemplate],
      ] as const;
      for (const [file, template] of templates) writeFileSync(join(dir, file), JSON.stringify(template.toJSON()));
      const lint = spawnSync(
        join(CFN_LINT_DIR, 'bin', 'cfn-lint'),
        ['--config-file', join(ROOT, 'infra', 'cfn-lint.yaml'), '--', ...templates.map(([file]) => join(dir, file))],
        { encoding: 'utf8', env: { ...process.env, PYTHONPATH: CFN_LINT_DIR }, timeout: 120_000 },
      );
      expect({ status: lint.status, findings: lint.stdout + lint.stderr }).toEqual({ status: 0, findings: '' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
      synth.dispose();
    }
  });
});
