import { AppError } from '@lib/errors';
import { canonicalQuery, negotiateFormat, paramsFromQuery, validateRenderParams } from './render-params';

function fields(action: () => unknown): string[] {
  try {
    action();
    return [];
  } catch (error) {
    return ((error as AppError).errors ?? []).map((e) => e.field);
  }
}

describe('render parameters', () => {
  it('fills defaults and writes one canonical spelling', () => {
    const params = paramsFromQuery({ w: '640' }, 4096);
    expect(params).toEqual({ width: 640, height: undefined, fit: 'inside', format: 'auto', quality: 80 });
    expect(canonicalQuery(params)).toBe('w=640&fit=inside&fmt=auto&q=80');
    expect(canonicalQuery(paramsFromQuery({ q: '80', fmt: 'auto', fit: 'inside', w: '640' }, 4096))).toBe(
      canonicalQuery(params),
    );
  });

  it.each([
    ['20000 px', { w: '20000' }, ['width']],
    ['a zero height', { h: '0' }, ['height']],
    ['a fractional width', { w: '1.5' }, ['width']],
    ['an unknown fit', { w: '10', fit: 'fill' }, ['fit']],
    ['an unknown format', { fmt: 'gif' }, ['format']],
    ['quality 101', { q: '101' }, ['quality']],
    ['cover without a height', { w: '10', fit: 'cover' }, ['fit']],
  ])('refuses %s', (_name, query, expected) => {
    expect(fields(() => paramsFromQuery(query, 4096))).toEqual(expected);
  });

  it('applies the configured maximum', () => {
    expect(fields(() => validateRenderParams({ width: '2049' }, 2048))).toEqual(['width']);
    expect(fields(() => validateRenderParams({ width: '2048', height: '2048', fit: 'cover' }, 2048))).toEqual([]);
  });

  it.each([
    ['image/avif,image/webp,*/*', 'avif'],
    ['image/webp,image/apng,*/*;q=0.8', 'webp'],
    ['image/avif;q=0, image/webp', 'webp'],
    ['*/*', 'jpeg'],
    [undefined, 'jpeg'],
  ])('negotiates Accept %s as %s', (accept, format) => {
    expect(negotiateFormat('auto', accept)).toBe(format);
  });

  it('keeps an explicit format whatever the Accept header says', () => {
    expect(negotiateFormat('png', 'image/avif')).toBe('png');
  });
});
