import { ArgumentMetadata, ValidationPipe } from '@nestjs/common';
import { AppError } from '@lib/errors';
import { createValidationPipe } from '../common/validation.pipe';
import { CreateUploadDto, ThumbnailRequestDto } from './upload.dto';

const CHECKSUM = 'n4bQgYhMfWWaL+qgxVrQFaO/TxsrC4Is0V1sFbDwCgg=';
const BODY = { filename: 'photo.jpg', contentType: 'image/jpeg', size: 2_000_000 };
const THUMBNAIL = { contentType: 'image/webp', size: 20_000 };
const metadata: ArgumentMetadata = { type: 'body', metatype: CreateUploadDto };

/** Bodies the fast path should take, and near misses either way (each must agree with the full path). */
const BODIES: unknown[] = [
  BODY,
  { ...BODY, thumbnail: THUMBNAIL },
  { ...BODY, checksumSha256: CHECKSUM, thumbnail: { ...THUMBNAIL, checksumSha256: CHECKSUM } },
  { ...BODY, filename: 'Café 写真 🌄.jpg' },
  { ...BODY, filename: 'x'.repeat(255) },
  { ...BODY, filename: 'x'.repeat(256) },
  { ...BODY, filename: '🌄'.repeat(200) },
  { ...BODY, filename: '\uFE0F' },
  { ...BODY, filename: 'a\uFE0Fb.jpg' },
  { ...BODY, filename: '' },
  { ...BODY, filename: 'a\u202Eb.jpg' },
  { ...BODY, filename: 7 },
  { ...BODY, contentType: 'image/bmp' },
  { ...BODY, size: 0 },
  { ...BODY, size: 1.5 },
  { ...BODY, size: '10' },
  { ...BODY, checksumSha256: null },
  { ...BODY, checksumSha256: 'abc' },
  { ...BODY, thumbnail: null },
  { ...BODY, thumbnail: [] },
  { ...BODY, thumbnail: { ...THUMBNAIL, contentType: 'image/png' } },
  { ...BODY, thumbnail: { ...THUMBNAIL, extra: 1 } },
  { ...BODY, extra: 1 },
  { ...BODY, multipart: true },
  { ...BODY, multipart: false, thumbnail: THUMBNAIL },
  { ...BODY, multipart: 'true' },
  { ...BODY, multipart: 1 },
  { ...BODY, multipart: null },
  Object.assign(Object.create(null), BODY),
  [BODY],
  'photo.jpg',
  null,
  undefined,
];

async function fullPath(body: unknown): Promise<unknown> {
  // The pipe as it was before the fast path: class-transformer and class-validator only.
  return ValidationPipe.prototype.transform.call(createValidationPipe(), body, metadata).catch((e: unknown) => e);
}

describe('CreateUploadDto.acceptWithoutValidator (the validation fast path)', () => {
  it.each(BODIES.map((body, i) => [i, body]))(
    'accepts only what class-validator accepts, building the same DTO (#%s)',
    async (_i, body) => {
      const fast = CreateUploadDto.acceptWithoutValidator(body);
      const full = await fullPath(body);
      if (fast === undefined) return;
      expect(full).toBeInstanceOf(CreateUploadDto);
      expect(fast).toBeInstanceOf(CreateUploadDto);
      expect(fast).toEqual(full);
      if (fast.thumbnail) expect(fast.thumbnail).toBeInstanceOf(ThumbnailRequestDto);
    },
  );

  it('takes the ordinary bodies (so the fast path is used) and leaves every refused one to class-validator', async () => {
    expect(CreateUploadDto.acceptWithoutValidator(BODIES[0])).toBeDefined();
    expect(CreateUploadDto.acceptWithoutValidator(BODIES[1])).toBeDefined();
    expect(CreateUploadDto.acceptWithoutValidator(BODIES[2])).toBeDefined();
    expect(CreateUploadDto.acceptWithoutValidator(BODIES[3])).toBeDefined();
    expect(CreateUploadDto.acceptWithoutValidator({ ...BODY, multipart: true })).toBeDefined();
    const pipe = createValidationPipe();
    for (const body of BODIES) {
      const full = await fullPath(body);
      if (!(full instanceof AppError)) continue;
      expect(CreateUploadDto.acceptWithoutValidator(body)).toBeUndefined();
      // Through the pipe as registered: the same problem, field for field.
      const viaPipe = await pipe.transform(body, metadata).catch((e: unknown) => e);
      expect(viaPipe).toBeInstanceOf(AppError);
      const { code, detail, errors } = viaPipe as AppError;
      expect({ code, detail, errors }).toEqual({ code: full.code, detail: full.detail, errors: full.errors });
    }
  });
});
