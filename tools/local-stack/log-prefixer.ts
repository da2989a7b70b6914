const COLORS: Record<string, string> = {
  stack: '\x1b[1m',
  emulator: '\x1b[90m',
  api: '\x1b[36m',
  worker: '\x1b[35m',
  forwarder: '\x1b[33m',
};
const RESET = '\x1b[0m';
// Every process writes level names (libs/observability json-log); numbers are pino's default,
// kept readable in case a line comes from a logger without the shared options.
const PINO_LEVELS: Record<number, string> = {
  10: 'trace',
  20: 'debug',
  30: 'info',
  40: 'warn',
  50: 'error',
  60: 'fatal',
};

/** Turns a JSON log line into `level message key=value`, which reads better in a terminal. */
export function readable(line: string): string {
  if (!line.startsWith('{')) return line;
  try {
    const entry = JSON.parse(line) as Record<string, unknown>;
    const message = entry.message ?? entry.msg;
    const body =
      typeof message === 'object' && message !== null ? (message as Record<string, unknown>) : { msg: message };
    const { level, msg, ...rest } = { ...entry, ...body } as Record<string, unknown>;
    delete rest.message;
    delete rest.timestamp;
    delete rest.time;
    delete rest.pid;
    const fields = Object.entries(rest)
      .filter(([, value]) => value !== undefined)
      .map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`)
      .join(' ');
    const levelName = typeof level === 'number' ? (PINO_LEVELS[level] ?? String(level)) : String(level ?? 'info');
    delete rest.hostname;
    return `${levelName.padEnd(5)} ${String(msg ?? '')} ${fields}`.trimEnd();
  } catch {
    return line;
  }
}

export function createPrefixer(): (name: string) => (line: string) => void {
  const color = process.stdout.isTTY && !process.env.NO_COLOR;
  return (name) => (line) => {
    const label = name.padEnd(9);
    process.stdout.write(
      color ? `${COLORS[name] ?? ''}${label}${RESET}| ${readable(line)}\n` : `${label}| ${readable(line)}\n`,
    );
  };
}
