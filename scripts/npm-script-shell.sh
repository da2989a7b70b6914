#!/bin/sh
# npm's script shell for this project (.npmrc `script-shell`): once `npm run setup` has put a
# project-local Node 24 in .tools/node, its bin directory goes first on PATH, so every npm script
# (`node …`, tsc, jest, prisma, esbuild) runs on it even when npm itself was started by an older
# Node. Without .tools/node (before setup, or where the machine's Node is already 24) it is sh.
root=$(CDPATH= cd -- "$(dirname -- "$0")/.." && pwd)
if [ -x "$root/.tools/node/bin/node" ]; then
  PATH="$root/.tools/node/bin:$PATH"
  export PATH
fi
exec /bin/sh "$@"
