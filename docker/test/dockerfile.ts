import { readFileSync } from 'node:fs';

export interface Instruction {
  op: string;
  args: string;
}

export interface Stage {
  name: string;
  /** The stage or image it starts from. */
  from: string;
  instructions: Instruction[];
}

export interface Dockerfile {
  args: Record<string, string>;
  stages: Stage[];
}

/** Enough of Dockerfile syntax for these checks: line continuations, comments, global ARGs, stages. */
export function parseDockerfile(path: string): Dockerfile {
  const lines = readFileSync(path, 'utf8')
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line.length > 0 && !line.startsWith('#'));
  const dockerfile: Dockerfile = { args: {}, stages: [] };
  for (const line of lines) {
    const [, op = '', args = ''] = /^(\S+)\s*(.*)$/.exec(line) ?? [];
    const upper = op.toUpperCase();
    if (upper === 'FROM') {
      const [, from = '', name = ''] = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(args) ?? [];
      dockerfile.stages.push({ name, from, instructions: [] });
    } else if (dockerfile.stages.length === 0 && upper === 'ARG') {
      const [key = '', value = ''] = args.split('=');
      dockerfile.args[key] = value;
    } else {
      dockerfile.stages.at(-1)?.instructions.push({ op: upper, args: args.replace(/\s+/g, ' ') });
    }
  }
  return dockerfile;
}

export function stage(dockerfile: Dockerfile, name: string): Stage {
  const found = dockerfile.stages.find((candidate) => candidate.name === name);
  if (!found) throw new Error(`no stage ${name}`);
  return found;
}

/** The stage and the stages it builds on, nearest first. */
export function lineage(dockerfile: Dockerfile, name: string): Stage[] {
  const chain: Stage[] = [];
  for (let current: Stage | undefined = stage(dockerfile, name); current;) {
    chain.push(current);
    const parent: string = current.from;
    current = dockerfile.stages.find((candidate) => candidate.name === parent);
  }
  return chain;
}

/** The instruction `op` in effect for a target: its own last one, else the nearest ancestor's. */
export function effective(dockerfile: Dockerfile, target: string, op: string): string | undefined {
  for (const current of lineage(dockerfile, target)) {
    const own = current.instructions.filter((instruction) => instruction.op === op).at(-1);
    if (own) return own.args;
  }
  return undefined;
}

/** `CMD ["node", "x"]` → ['node', 'x']; shell form → undefined (a shell would sit between). */
export function execForm(args: string | undefined): string[] | undefined {
  if (!args?.startsWith('[')) return undefined;
  return JSON.parse(args) as string[];
}
