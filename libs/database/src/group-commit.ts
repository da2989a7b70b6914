/**
 * Collects concurrent writes and hands them to `flush` as one batch, so N requests cost one
 * statement and one commit (one WAL flush) instead of N. One batch is in flight at a time: the
 * writes that arrive while it is being written form the next batch, which goes out as soon as it
 * returns, so under load batches grow instead of statements piling up on the pool.
 * Each caller still waits for its own row to be committed before it answers its client.
 */
export class GroupCommit<T, R> {
  private pending: Array<{ item: T; resolve: (result: R) => void; reject: (error: unknown) => void }> = [];
  private scheduled = false;
  private inFlight = false;

  constructor(
    private readonly flush: (items: T[]) => Promise<R[]>,
    private readonly maxBatch = 200,
  ) {}

  submit(item: T): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.pending.push({ item, resolve, reject });
      this.schedule();
    });
  }

  /** The writes of this event-loop turn join one batch; none starts while one is in flight. */
  private schedule(): void {
    if (this.scheduled || this.inFlight || this.pending.length === 0) return;
    this.scheduled = true;
    setImmediate(() => this.drain());
  }

  private drain(): void {
    this.scheduled = false;
    const batch = this.pending.splice(0, this.maxBatch);
    if (batch.length === 0) return;
    this.inFlight = true;
    this.flush(batch.map((entry) => entry.item)).then(
      (results) => {
        this.written();
        batch.forEach((entry, i) => entry.resolve(results[i]!));
      },
      (error: unknown) => {
        this.written();
        batch.forEach((entry) => entry.reject(error));
      },
    );
  }

  /** The batch in flight is written: the writes that waited for it go out next. */
  private written(): void {
    this.inFlight = false;
    this.schedule();
  }
}
