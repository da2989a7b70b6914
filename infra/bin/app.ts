import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { createPlatform } from '../lib/platform.app';

/** The repository root, whether this runs as infra/bin/app.ts or as the esbuild bundle in dist/infra. */
function repoRoot(): string {
  let dir = __dirname;
  while (!existsSync(join(dir, 'package-lock.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`no package-lock.json above ${__dirname}`);
    dir = parent;
  }
  return dir;
}

const root = repoRoot();
// Run by the cdk CLI, the context and the output directory come from it; run with plain node
// (`npm run infra:synth`), cdk.json's context is applied here so both give the same templates.
const underCli = process.env.CDK_OUTDIR !== undefined;
const cdkJson = JSON.parse(readFileSync(join(root, 'infra', 'cdk.json'), 'utf8')) as {
  context: Record<string, unknown>;
};
const app = new App(underCli ? {} : { outdir: join(root, 'infra', 'cdk.out'), context: cdkJson.context });
createPlatform(app, join(root, 'dist', 'lambda', 's3-event-forwarder'));

// Synthesis throws on any unacknowledged cdk-nag error or annotation error (CDK's validation
// report is printed first), so reaching the next line means the templates are clean.
const assembly = app.synth();
if (!underCli) {
  for (const stack of assembly.stacks) console.log(`synthesized ${stack.displayName} -> ${stack.templateFullPath}`);
}
