import { FieldError, errors } from '@lib/errors';
import { RENDER_FITS, RENDER_FORMATS, RenderFit, RenderFormat } from '@lib/imaging';

export type RequestedFormat = RenderFormat | 'auto';
export const REQUESTED_FORMATS: readonly RequestedFormat[] = ['auto', ...RENDER_FORMATS];

/** What a render URL asks for; every field is covered by the signature. */
export interface RenderParams {
  width?: number;
  height?: number;
  fit: RenderFit;
  format: RequestedFormat;
  quality: number;
}

export const DEFAULT_FIT: RenderFit = 'inside';
export const DEFAULT_FORMAT: RequestedFormat = 'auto';
export const DEFAULT_QUALITY = 80;

export interface RenderQuery {
  w?: string;
  h?: string;
  fit?: string;
  fmt?: string;
  q?: string;
  exp?: string;
  sig?: string;
}

const INTEGER = /^[1-9][0-9]{0,8}$/;

function dimension(raw: string | undefined, field: string, maxSide: number, issues: FieldError[]): number | undefined {
  if (raw === undefined || raw === '') return undefined;
  if (!INTEGER.test(raw)) {
    issues.push({ field, message: 'must be a positive integer' });
    return undefined;
  }
  const value = Number(raw);
  if (value > maxSide) issues.push({ field, message: `must be at most ${maxSide}` });
  return value;
}

/**
 * Checks requested parameters (from the render-url body or the render route's query) against
 * the limits; one 400 lists every problem. Shared by both ends so they can never disagree on
 * what is valid.
 */
export function validateRenderParams(
  raw: { width?: string; height?: string; fit?: string; format?: string; quality?: string },
  maxSide: number,
): RenderParams {
  const issues: FieldError[] = [];
  const width = dimension(raw.width, 'width', maxSide, issues);
  const height = dimension(raw.height, 'height', maxSide, issues);
  const fit = (raw.fit ?? DEFAULT_FIT) as RenderFit;
  if (!RENDER_FITS.includes(fit)) issues.push({ field: 'fit', message: `must be one of ${RENDER_FITS.join(', ')}` });
  const format = (raw.format ?? DEFAULT_FORMAT) as RequestedFormat;
  if (!REQUESTED_FORMATS.includes(format)) {
    issues.push({ field: 'format', message: `must be one of ${REQUESTED_FORMATS.join(', ')}` });
  }
  let quality = DEFAULT_QUALITY;
  if (raw.quality !== undefined && raw.quality !== '') {
    quality = Number(raw.quality);
    if (!INTEGER.test(raw.quality) || quality > 100) issues.push({ field: 'quality', message: 'must be 1..100' });
  }
  if ((fit === 'cover' || fit === 'contain') && (width === undefined || height === undefined)) {
    issues.push({ field: 'fit', message: `${fit} needs both width and height` });
  }
  if (issues.length > 0) throw errors.validationFailed(issues);
  return { width, height, fit, format, quality };
}

/** The route's query, under the short names that keep URLs (and CDN cache keys) small. */
export function paramsFromQuery(query: RenderQuery, maxSide: number): RenderParams {
  return validateRenderParams(
    { width: query.w, height: query.h, fit: query.fit, format: query.fmt, quality: query.q },
    maxSide,
  );
}

/**
 * Rounds each requested side up to the next step of the ladder (or down to its top, within
 * maxSide): a handful of sizes per image instead of thousands, so a user cannot make the
 * origin render a new variant for every pixel, and the CDN's cache holds what is asked for.
 */
export function quantizeToLadder(params: RenderParams, ladder: readonly number[], maxSide: number): RenderParams {
  const steps = ladder.filter((side) => side <= maxSide);
  const step = (side: number | undefined) =>
    side === undefined || steps.length === 0 ? side : (steps.find((s) => s >= side) ?? steps[steps.length - 1]);
  return { ...params, width: step(params.width), height: step(params.height) };
}

/** The output pixels a request can reach at most (a missing side counts as the other, or maxSide). */
export function outputPixelBound(params: Pick<RenderParams, 'width' | 'height'>, maxSide: number): number {
  const width = params.width ?? params.height ?? maxSide;
  const height = params.height ?? params.width ?? maxSide;
  return width * height;
}

/**
 * One spelling per request, in a fixed order: the signature is over this string, and the same
 * request always yields the same URL, so a CDN caches it once.
 */
export function canonicalQuery(params: RenderParams): string {
  const parts: string[] = [];
  if (params.width !== undefined) parts.push(`w=${params.width}`);
  if (params.height !== undefined) parts.push(`h=${params.height}`);
  parts.push(`fit=${params.fit}`, `fmt=${params.format}`, `q=${params.quality}`);
  return parts.join('&');
}

/**
 * `auto` picks the smallest format the client says it accepts; anything that names neither
 * AVIF nor WebP (old browsers, curl) gets JPEG. An explicit `q=0` is a refusal.
 */
export function negotiateFormat(requested: RequestedFormat, accept: string | undefined): RenderFormat {
  if (requested !== 'auto') return requested;
  const accepted = new Set(
    (accept ?? '')
      .split(',')
      .map((part) => part.trim().toLowerCase().split(';'))
      .filter(([, ...options]) => !options.some((o) => /^\s*q\s*=\s*0(\.0*)?\s*$/.test(o)))
      .map(([type]) => type!.trim()),
  );
  if (accepted.has('image/avif')) return 'avif';
  if (accepted.has('image/webp')) return 'webp';
  return 'jpeg';
}
