import { GroupCommit } from './group-commit';

describe('GroupCommit', () => {
  it('hands writes issued in the same turn to one flush and answers each caller with its own result', async () => {
    const batches: number[][] = [];
    const group = new GroupCommit<number, string>(async (items) => {
      batches.push(items);
      return items.map((i) => `row-${i}`);
    });
    const results = await Promise.all([1, 2, 3].map((i) => group.submit(i)));
    expect(results).toEqual(['row-1', 'row-2', 'row-3']);
    expect(batches).toEqual([[1, 2, 3]]);
  });

  it('splits at the batch limit and fails every caller of a failed batch', async () => {
    const batches: number[][] = [];
    const group = new GroupCommit<number, number>(async (items) => {
      batches.push(items);
      if (items.includes(3)) throw new Error('database down');
      return items;
    }, 2);
    const outcomes = await Promise.allSettled([1, 2, 3].map((i) => group.submit(i)));
    expect(batches).toEqual([[1, 2], [3]]);
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'fulfilled', 'rejected']);
  });

  it('writes one batch at a time: what arrives meanwhile goes out as the next batch, once it returns', async () => {
    const batches: number[][] = [];
    const writes: Array<() => void> = [];
    const group = new GroupCommit<number, number>(async (items) => {
      batches.push(items);
      await new Promise<void>((resolve) => writes.push(resolve));
      return items;
    });
    const turn = () => new Promise((resolve) => setImmediate(resolve));
    const first = group.submit(1);
    await turn();
    const later = [2, 3, 4].map((i) => group.submit(i));
    await turn();
    await turn();
    expect(batches).toEqual([[1]]);
    writes.shift()!();
    await first;
    await turn();
    expect(batches).toEqual([[1], [2, 3, 4]]);
    writes.shift()!();
    await expect(Promise.all(later)).resolves.toEqual([2, 3, 4]);
  });
});
