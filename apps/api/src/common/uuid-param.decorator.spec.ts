import { ParseUUIDPipe, PipeTransform } from '@nestjs/common';
import { ROUTE_ARGS_METADATA } from '@nestjs/common/constants';
import { AppError, ErrorCode } from '@lib/errors';
import { UuidParam } from './uuid-param.decorator';

class Routes {
  any(@UuidParam('imageId') _id: string): void {}
  v4(@UuidParam('uploadId', '4') _id: string): void {}
}

/** The pipe Nest runs on the route's one parameter, as the decorator registered it. */
function pipeOf(method: keyof Routes): PipeTransform {
  const args = Reflect.getMetadata(ROUTE_ARGS_METADATA, Routes, method) as Record<
    string,
    { data: string; pipes: PipeTransform[] }
  >;
  const [arg] = Object.values(args);
  expect(arg!.pipes).toHaveLength(1);
  expect(arg!.pipes[0]).toBeInstanceOf(ParseUUIDPipe);
  return arg!.pipes[0]!;
}

const meta = { type: 'param' as const, data: 'id' };
const V4 = '3f1c6a2e-8b4d-4c1e-9f2a-7d5e6b8c9a01';
const V7 = '01890a5d-ac96-774b-bcce-b302099a8057';

describe('UuidParam', () => {
  it('passes a UUID through', async () => {
    await expect(pipeOf('any').transform(V7, meta)).resolves.toBe(V7);
    await expect(pipeOf('v4').transform(V4, meta)).resolves.toBe(V4);
  });

  it('refuses anything else with a 400 validation problem naming the parameter', async () => {
    const error = (await Promise.resolve(pipeOf('any').transform('not-a-uuid', meta)).catch(
      (e: unknown) => e,
    )) as AppError;
    expect(error).toBeInstanceOf(AppError);
    expect(error).toMatchObject({
      code: ErrorCode.ValidationFailed,
      status: 400,
      errors: [{ field: 'imageId', message: 'must be a UUID' }],
    });
  });

  it('with a version, refuses a UUID of another version', async () => {
    await expect(pipeOf('v4').transform(V7, meta)).rejects.toMatchObject({
      errors: [{ field: 'uploadId', message: 'must be a UUID' }],
    });
  });
});
