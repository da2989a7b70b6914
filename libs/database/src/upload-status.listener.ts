import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import { Client } from 'pg';
import { APP_CONFIG, SharedConfig } from '@lib/config';
import { errors } from '@lib/errors';

/** The channel the `uploads` triggers announce status changes and deletions on (payload: the id). */
export const UPLOAD_STATUS_CHANNEL = 'upload_status';
export const UPLOAD_STATUS_LISTENER_NAME = 'upload-status-listener';

/**
 * PostgreSQL LISTEN for upload status changes, one session per process, shared by every waiter.
 *
 * A subscriber is called whenever its upload's status may have changed: on a notification for
 * it, and for everyone after the session was lost (notifications sent while nobody listened
 * are gone, so every waiter must look again). The session is opened on first use, not at boot,
 * so the API starts while the database is still coming up, as PrismaService does.
 */
@Injectable()
export class UploadStatusListener implements OnApplicationShutdown {
  private readonly subscribers = new Map<string, Set<() => void>>();
  private client: Client | undefined;
  private connecting: Promise<void> | undefined;
  private closed = false;

  constructor(@Inject(APP_CONFIG) private readonly config: SharedConfig) {}

  /** Registers `onChange` for the upload at once; returns the function that removes it. */
  subscribe(uploadId: string, onChange: () => void): () => void {
    let set = this.subscribers.get(uploadId);
    if (!set) this.subscribers.set(uploadId, (set = new Set()));
    set.add(onChange);
    return () => {
      set.delete(onChange);
      if (set.size === 0 && this.subscribers.get(uploadId) === set) this.subscribers.delete(uploadId);
    };
  }

  /**
   * Resolves once this process LISTENs, so a status read after it cannot miss a change that
   * commits later. Throws (503 problem) when the database cannot be reached.
   */
  listening(): Promise<void> {
    if (this.client) return Promise.resolve();
    if (this.closed) return Promise.reject(errors.dependencyUnavailable('PostgreSQL'));
    this.connecting ??= this.connect().finally(() => (this.connecting = undefined));
    return this.connecting;
  }

  /** Uploads with at least one subscriber (for metrics and tests). */
  get watched(): number {
    return this.subscribers.size;
  }

  async onApplicationShutdown(): Promise<void> {
    this.closed = true;
    await this.connecting?.catch(() => undefined);
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => undefined);
  }

  private async connect(): Promise<void> {
    const client = new Client({
      connectionString: this.config.database.url,
      connectionTimeoutMillis: 5_000,
      // Named, so an operator (and a test) can tell this session from the pool's in pg_stat_activity.
      application_name: UPLOAD_STATUS_LISTENER_NAME,
      // A LISTEN session is idle by nature; keepalives find a dead peer behind a NAT or proxy.
      keepAlive: true,
    });
    client.on('notification', (message) => {
      if (message.channel === UPLOAD_STATUS_CHANNEL && message.payload) this.wake(message.payload);
    });
    client.on('error', () => this.drop(client));
    client.on('end', () => this.drop(client));
    try {
      await client.connect();
      await client.query(`LISTEN ${UPLOAD_STATUS_CHANNEL}`);
    } catch (error) {
      await client.end().catch(() => undefined);
      throw errors.dependencyUnavailable('PostgreSQL', error);
    }
    if (this.closed) {
      await client.end().catch(() => undefined);
      throw errors.dependencyUnavailable('PostgreSQL');
    }
    this.client = client;
  }

  private drop(client: Client): void {
    if (this.client !== client) return;
    this.client = undefined;
    client.end().catch(() => undefined);
    for (const uploadId of [...this.subscribers.keys()]) this.wake(uploadId);
  }

  private wake(uploadId: string): void {
    for (const onChange of [...(this.subscribers.get(uploadId) ?? [])]) onChange();
  }
}
