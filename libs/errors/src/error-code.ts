/**
 * Every failure the platform reports has one of these codes. The code is stable (clients and
 * alerts match on it); the human text may change.
 */
export enum ErrorCode {
  MalformedRequest = 'malformed-request',
  ValidationFailed = 'validation-failed',
  Unauthenticated = 'unauthenticated',
  Forbidden = 'forbidden',
  NotFound = 'not-found',
  Conflict = 'conflict',
  IdempotencyConflict = 'idempotency-conflict',
  PayloadTooLarge = 'payload-too-large',
  UnsupportedMediaType = 'unsupported-media-type',
  HeadersTooLarge = 'headers-too-large',
  RequestTimeout = 'request-timeout',
  RateLimited = 'rate-limited',
  DependencyUnavailable = 'dependency-unavailable',
  Overloaded = 'overloaded',
  Internal = 'internal',
}

export interface ErrorCodeInfo {
  status: number;
  title: string;
}

export const ERROR_CODE_INFO: Record<ErrorCode, ErrorCodeInfo> = {
  [ErrorCode.MalformedRequest]: { status: 400, title: 'Malformed request' },
  [ErrorCode.ValidationFailed]: { status: 400, title: 'Validation failed' },
  [ErrorCode.Unauthenticated]: { status: 401, title: 'Authentication required' },
  [ErrorCode.Forbidden]: { status: 403, title: 'Forbidden' },
  [ErrorCode.NotFound]: { status: 404, title: 'Not found' },
  [ErrorCode.Conflict]: { status: 409, title: 'Conflict' },
  [ErrorCode.IdempotencyConflict]: { status: 422, title: 'Idempotency key reused with a different request' },
  [ErrorCode.PayloadTooLarge]: { status: 413, title: 'Payload too large' },
  [ErrorCode.UnsupportedMediaType]: { status: 415, title: 'Unsupported media type' },
  [ErrorCode.HeadersTooLarge]: { status: 431, title: 'Request header fields too large' },
  [ErrorCode.RequestTimeout]: { status: 408, title: 'Request timeout' },
  [ErrorCode.RateLimited]: { status: 429, title: 'Too many requests' },
  [ErrorCode.DependencyUnavailable]: { status: 503, title: 'A dependency is unavailable' },
  [ErrorCode.Overloaded]: { status: 503, title: 'Too busy to take this request now' },
  [ErrorCode.Internal]: { status: 500, title: 'Internal error' },
};
