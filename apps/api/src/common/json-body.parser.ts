import type { FastifyInstance } from 'fastify';
import { AppError, errors } from '@lib/errors';

/** No request body of this API nests deeper than a few levels; recursion beyond this is hostile. */
export const MAX_JSON_DEPTH = 32;

const LONE_SURROGATE = /\p{Cs}/u;

/**
 * Refuses too-deep nesting by scanning the text before it is parsed, so neither JSON.parse nor
 * the validators walking the result can be driven into a stack overflow.
 */
function checkDepth(text: string): void {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) {
      inString = true;
    } else if (c === 0x7b || c === 0x5b) {
      if (++depth > MAX_JSON_DEPTH) {
        throw errors.malformedRequest(`The request body nests deeper than ${MAX_JSON_DEPTH} levels.`);
      }
    } else if (c === 0x7d || c === 0x5d) {
      depth--;
    }
  }
}

/**
 * Every string and key must be well-formed UTF-16: a lone surrogate (sent as a `\ud800` escape)
 * cannot be stored or encoded anywhere downstream. The field is named, its value never echoed.
 */
function checkStrings(value: unknown, path: string): void {
  if (typeof value === 'string') {
    if (LONE_SURROGATE.test(value)) {
      throw errors.validationFailed([{ field: path || '(body)', message: 'must not contain lone surrogates' }]);
    }
    return;
  }
  if (value === null || typeof value !== 'object') return;
  for (const [key, child] of Object.entries(value)) {
    const field = Array.isArray(value) ? `${path}[${key}]` : path ? `${path}.${key}` : key;
    if (LONE_SURROGATE.test(key) || key === '__proto__' || key === 'constructor') {
      throw errors.validationFailed([{ field: path || '(body)', message: 'has a key that is not allowed' }]);
    }
    checkStrings(child, field);
  }
}

export function parseJsonBody(text: string): unknown {
  if (text.length === 0) return undefined;
  checkDepth(text);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    // The parser's message quotes the body; it is not repeated back or logged.
    throw errors.malformedRequest('The request body is not valid JSON.');
  }
  checkStrings(parsed, '');
  return parsed;
}

/** Replaces Fastify's JSON parser with one that refuses hostile shapes as 400 problem+json. */
export function registerJsonBodyParser(fastify: FastifyInstance): void {
  fastify.removeContentTypeParser('application/json');
  fastify.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
    try {
      done(null, parseJsonBody(body as string));
    } catch (error) {
      done(error as AppError, undefined);
    }
  });
}
