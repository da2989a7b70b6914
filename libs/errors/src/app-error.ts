import { ERROR_CODE_INFO, ErrorCode } from './error-code';

export interface FieldError {
  /** Dotted path of the offending field, e.g. `thumbnail.size`. */
  field: string;
  message: string;
}

export interface AppErrorOptions {
  detail: string;
  errors?: FieldError[];
  /** Transient faults may succeed on retry; the worker leaves their messages for redelivery. */
  retryable?: boolean;
  headers?: Record<string, string>;
  cause?: unknown;
}

/** The platform's single error type; build it through the factories in errors.ts. */
export class AppError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly title: string;
  readonly detail: string;
  readonly errors?: FieldError[];
  readonly retryable: boolean;
  readonly headers: Record<string, string>;

  constructor(code: ErrorCode, options: AppErrorOptions) {
    super(options.detail, { cause: options.cause });
    this.name = 'AppError';
    this.code = code;
    this.status = ERROR_CODE_INFO[code].status;
    this.title = ERROR_CODE_INFO[code].title;
    this.detail = options.detail;
    this.errors = options.errors;
    this.retryable = options.retryable ?? false;
    this.headers = options.headers ?? {};
  }
}

export function isAppError(error: unknown): error is AppError {
  return error instanceof AppError;
}
