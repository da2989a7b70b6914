// Removes from a production `node_modules` the packages that are there only because a runtime
// package names them as an optional peer: @prisma/client names the Prisma CLI and TypeScript, so
// `npm ci --omit=dev` keeps both (with c12, effect, jiti, giget… behind them), though the API and
// the worker run neither. npm's lockfile marks exactly these `devOptional` (a dev dependency of
// ours that is also an optional dependency of a runtime package). The migrate image keeps them.
import { readFileSync, rmSync } from 'node:fs';

const lock = JSON.parse(readFileSync(process.argv[2] ?? 'package-lock.json', 'utf8'));
const root = process.argv[3] ?? '.';

const peerTools = Object.entries(lock.packages).filter(
  ([path, entry]) => path.startsWith('node_modules/') && entry.devOptional,
);
for (const [path, entry] of peerTools) {
  rmSync(`${root}/${path}`, { recursive: true, force: true });
  for (const bin of Object.keys(entry.bin ?? {})) rmSync(`${root}/node_modules/.bin/${bin}`, { force: true });
}
console.log(`removed ${peerTools.length} packages only the Prisma CLI and tsc need`);
