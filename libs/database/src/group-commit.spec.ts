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
});
