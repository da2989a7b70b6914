import { join } from 'node:path';
// The defaults live in @lib/config, where the operator CLI (a production app) reads them too.
export { LOCAL_JWT_SECRET, localEnv } from '@lib/config';

/** Repository root, from both tools/local-stack (ts) and dist/tools/local-stack (js). */
export const ROOT = __dirname.includes(`${join('dist', 'tools')}`)
  ? join(__dirname, '..', '..', '..')
  : join(__dirname, '..', '..');

export const FORWARDER_BUNDLE = join(ROOT, 'dist', 'lambda', 's3-event-forwarder', 'index.js');
