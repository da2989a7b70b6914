import { BoundedMemo } from './bounded-memo';

describe('BoundedMemo', () => {
  it('computes a value once per key and answers repeats from memory', () => {
    const computed: string[] = [];
    const memo = new BoundedMemo(10, (key: string) => {
      computed.push(key);
      return key.toUpperCase();
    });
    expect([memo.get('a'), memo.get('b'), memo.get('a'), memo.get('a')]).toEqual(['A', 'B', 'A', 'A']);
    expect(computed).toEqual(['a', 'b']);
  });

  it('keeps at most its capacity, forgetting the least recently used key first', () => {
    const computed: string[] = [];
    const memo = new BoundedMemo(2, (key: string) => {
      computed.push(key);
      return key;
    });
    memo.get('a');
    memo.get('b');
    memo.get('a'); // a is now the most recent, so b goes first
    memo.get('c');
    expect(memo.size).toBe(2);
    memo.get('a');
    memo.get('b');
    expect(computed).toEqual(['a', 'b', 'c', 'b']);
  });

  it('refuses a capacity that could not hold a key', () => {
    expect(() => new BoundedMemo(0, (key: string) => key)).toThrow(RangeError);
  });
});
