// Imported first by every scripts/*.mjs entry point: the rest of the script runs on Node 24.
import { requireNode24 } from './node-runtime.mjs';

await requireNode24();
