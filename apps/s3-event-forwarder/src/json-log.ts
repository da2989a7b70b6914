import type { ForwarderLog } from './s3-event.forwarder';

const RANK: Record<string, number> = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60, silent: 99 };

/** One JSON object per line: CloudWatch Logs Insights parses these without configuration. */
export function jsonLog(base: Record<string, unknown> = {}, level = process.env.LOG_LEVEL ?? 'info'): ForwarderLog {
  const threshold = RANK[level] ?? RANK.info!;
  const write = (name: string) => (message: string, fields?: Record<string, unknown>) => {
    if (RANK[name]! < threshold) return;
    process.stdout.write(
      JSON.stringify({ level: name, time: new Date().toISOString(), msg: message, ...base, ...fields }) + '\n',
    );
  };
  return { info: write('info'), warn: write('warn'), error: write('error') };
}
