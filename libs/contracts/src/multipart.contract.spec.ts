import { multipartPlan, partLength, S3_MAX_PARTS, S3_MIN_PART_BYTES } from './multipart.contract';

const MiB = 1024 * 1024;

describe('multipartPlan and partLength (the part-size arithmetic)', () => {
  it.each([
    // size, configured part size → part size, part count, last part's length
    [1, 8 * MiB, 8 * MiB, 1, 1],
    [8 * MiB, 8 * MiB, 8 * MiB, 1, 8 * MiB],
    [8 * MiB + 1, 8 * MiB, 8 * MiB, 2, 1],
    [200 * MiB, 8 * MiB, 8 * MiB, 25, 8 * MiB],
    [200 * MiB - 3, 8 * MiB, 8 * MiB, 25, 8 * MiB - 3],
    [17 * MiB, 5 * MiB, 5 * MiB, 4, 2 * MiB],
    // Past 10,000 parts of the configured size the parts grow instead: ceil(size / 10000).
    [5 * MiB * S3_MAX_PARTS, 5 * MiB, 5 * MiB, 10_000, 5 * MiB],
    [5 * MiB * S3_MAX_PARTS + 1, 5 * MiB, 5 * MiB + 1, 10_000, 5 * MiB * S3_MAX_PARTS + 1 - (5 * MiB + 1) * 9_999],
    [2_147_483_647, 5 * MiB, 5 * MiB, 410, 3_145_727],
  ])(
    'size %d with parts of %d: part size %d, %d parts, the last %d bytes',
    (size, configured, partSize, count, last) => {
      const plan = multipartPlan(size, configured);
      expect(plan).toEqual({ partSize, partCount: count });
      expect(partLength(size, plan, count)).toBe(last);
      if (count > 1) expect(partLength(size, plan, 1)).toBe(partSize);
    },
  );

  it('never plans more than 10,000 parts, nor a part (but the last) under 5 MiB, and the parts add up to the size', () => {
    for (const size of [1, 5 * MiB - 1, 5 * MiB, 123_456_789, 2_147_483_647, 60 * 1024 * MiB, 52_428_800_001]) {
      for (const configured of [S3_MIN_PART_BYTES, 8 * MiB, 64 * MiB]) {
        const plan = multipartPlan(size, configured);
        expect(plan.partCount).toBeLessThanOrEqual(S3_MAX_PARTS);
        expect(plan.partSize).toBeGreaterThanOrEqual(S3_MIN_PART_BYTES);
        const last = partLength(size, plan, plan.partCount);
        expect(last).toBeGreaterThanOrEqual(1);
        expect(last).toBeLessThanOrEqual(plan.partSize);
        expect(plan.partSize * (plan.partCount - 1) + last).toBe(size);
      }
    }
  });

  it('refuses part numbers outside 1..partCount and nonsensical sizes', () => {
    const plan = multipartPlan(20 * MiB, 8 * MiB);
    for (const n of [0, -1, 4, 1.5, Number.NaN, 10_001])
      expect(() => partLength(20 * MiB, plan, n)).toThrow(RangeError);
    expect(() => multipartPlan(0, 8 * MiB)).toThrow(RangeError);
    expect(() => multipartPlan(1.5, 8 * MiB)).toThrow(RangeError);
    expect(() => multipartPlan(10, S3_MIN_PART_BYTES - 1)).toThrow(RangeError);
  });
});
