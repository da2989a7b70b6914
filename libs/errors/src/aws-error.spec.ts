import { AppError } from './app-error';
import { fromAwsError, isAwsNotFound, withAws } from './aws-error';
import { ErrorCode } from './error-code';
import { errors } from './errors';

/** What the AWS SDK v3 throws: a named error with the HTTP status it got, if any. */
function awsFailure(name: string, httpStatusCode?: number, retryable?: object): Error {
  return Object.assign(new Error(name), {
    name,
    $metadata: httpStatusCode === undefined ? {} : { httpStatusCode },
    ...(retryable ? { $retryable: retryable } : {}),
  });
}

describe('fromAwsError', () => {
  it('maps a 4xx (our request was wrong) to internal, not retryable', () => {
    const error = fromAwsError('S3', awsFailure('AccessDenied', 403));
    expect(error).toMatchObject({ code: ErrorCode.Internal, retryable: false });
  });

  it('maps 5xx, throttling, SDK-retryable 4xx and network faults to a retryable dependency error', () => {
    for (const failure of [
      awsFailure('InternalError', 500),
      awsFailure('SlowDown', 503),
      awsFailure('TooManyRequests', 429),
      awsFailure('RequestTimeout', 400, { throttling: false }),
      awsFailure('ECONNRESET'),
    ]) {
      const error = fromAwsError('SQS', failure);
      expect(error).toMatchObject({ code: ErrorCode.DependencyUnavailable, retryable: true });
      expect(error.detail).toBe('SQS is unavailable; try again shortly.');
    }
  });

  it('passes a platform error through unchanged', () => {
    const own = errors.conflict('already there');
    expect(fromAwsError('S3', own)).toBe(own);
  });

  it('knows a missing object by name or by status', () => {
    expect(isAwsNotFound(awsFailure('NoSuchKey', 404))).toBe(true);
    expect(isAwsNotFound(awsFailure('NotFound'))).toBe(true);
    expect(isAwsNotFound(awsFailure('Whatever', 404))).toBe(true);
    expect(isAwsNotFound(awsFailure('AccessDenied', 403))).toBe(false);
    expect(isAwsNotFound(undefined)).toBe(false);
  });
});

describe('withAws', () => {
  it('returns what the call returns', async () => {
    await expect(withAws('S3', async () => 'etag')).resolves.toBe('etag');
  });

  it('wraps a failure exactly as fromAwsError does', async () => {
    const failure = awsFailure('SlowDown', 503);
    const thrown = await withAws('S3', () => Promise.reject(failure)).catch((e: unknown) => e);
    expect(thrown).toBeInstanceOf(AppError);
    expect(thrown).toEqual(fromAwsError('S3', failure));
    expect((thrown as AppError).cause).toBe(failure);
  });

  it('wraps a failure of its own code (not only of the SDK call) the same way', async () => {
    const thrown = await withAws('S3', async () => {
      throw new Error('answered without an UploadId');
    }).catch((e: unknown) => e);
    expect(thrown).toMatchObject({ code: ErrorCode.DependencyUnavailable, retryable: true });
  });

  it('returns the answer for a failure that is an answer, null included', async () => {
    const missing = () => Promise.reject(awsFailure('NoSuchKey', 404));
    await expect(withAws('S3', missing, (e) => (isAwsNotFound(e) ? null : undefined))).resolves.toBeNull();
    await expect(withAws('S3', missing, async () => 'changed' as const)).resolves.toBe('changed');
  });

  it('still wraps a failure the answer leaves (undefined)', async () => {
    const answer = jest.fn(() => undefined);
    const failure = awsFailure('AccessDenied', 403);
    await expect(withAws('S3', () => Promise.reject(failure), answer)).rejects.toMatchObject({
      code: ErrorCode.Internal,
    });
    expect(answer).toHaveBeenCalledWith(failure);
  });

  it('lets an answer that throws propagate as it is', async () => {
    const own = errors.dependencyUnavailable('S3');
    const thrown = await withAws(
      'S3',
      () => Promise.reject(awsFailure('InvalidRange', 416)),
      () => Promise.reject(own),
    ).catch((e: unknown) => e);
    expect(thrown).toBe(own);
  });
});
