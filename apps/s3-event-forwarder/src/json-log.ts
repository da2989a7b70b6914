import type { ForwarderLog } from './s3-event.forwarder';

/** One JSON object per line: CloudWatch Logs Insights parses these without configuration. */
export function jsonLog(base: Record<string, unknown> = {}): ForwarderLog {
  const write = (level: string) => (message: string, fields?: Record<string, unknown>) => {
    process.stdout.write(
      JSON.stringify({ level, time: new Date().toISOString(), msg: message, ...base, ...fields }) + '\n',
    );
  };
  return { info: write('info'), warn: write('warn'), error: write('error') };
}
